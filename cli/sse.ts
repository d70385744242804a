// Reads a Server-Sent Events stream (the WHATWG event-stream format) as it arrives, chunk by chunk.
// Shared by `gpubatch events` and the tests' SSE client (test/support/sse-client.ts).

export interface SseEvent {
  /** The `id:` of this event's block, when it had one (the resume point for Last-Event-ID). */
  id?: string;
  /** The `event:` name; 'message' when the block had none. */
  event: string;
  /** The `data:` lines, joined by newlines. */
  data: string;
}

/** Feed it decoded text in any pieces; it returns each event as soon as its block is complete. */
export class SseParser {
  /** The last `id:` seen, as EventSource keeps it: what to send as Last-Event-ID when reconnecting. */
  lastEventId: string | undefined;
  private buffer = '';
  private block: { id?: string; event?: string; data: string[] } = { data: [] };

  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    // A line ends at \n, \r\n or \r; a trailing \r may be the first half of a \r\n still to come.
    for (;;) {
      const match = /\r\n|\r(?!$)|\n/.exec(this.buffer);
      if (!match) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined; // a comment: the server's keep-alive ping
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') this.block.data.push(value);
    else if (field === 'event') this.block.event = value;
    else if (field === 'id' && !value.includes('\0')) {
      this.block.id = value;
      this.lastEventId = value;
    }
    return undefined; // `retry:` and unknown fields are ignored
  }

  private dispatch(): SseEvent | undefined {
    const { id, event, data } = this.block;
    this.block = { data: [] };
    if (id === undefined && event === undefined && data.length === 0) return undefined;
    return { ...(id !== undefined ? { id } : {}), event: event || 'message', data: data.join('\n') };
  }
}
