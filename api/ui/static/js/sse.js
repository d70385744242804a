// Server-Sent Events parsing for streams read with fetch (EventSource cannot send an Authorization
// header). Pure: feed it text chunks, get complete events back.

export class SseParser {
  #buffer = '';

  /** @param {string} chunk @returns {{ id?: string, event: string, data: string }[]} */
  push(chunk) {
    this.#buffer += chunk.replace(/\r\n?/g, '\n');
    const blocks = this.#buffer.split('\n\n');
    this.#buffer = blocks.pop() ?? '';
    const events = [];
    for (const block of blocks) {
      const event = { event: 'message', data: '' };
      let fields = 0;
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue; // comments are heartbeats
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        fields++;
        if (name === 'id') event.id = value;
        else if (name === 'event') event.event = value;
        else if (name === 'data') event.data = event.data ? `${event.data}\n${value}` : value;
      }
      if (fields > 0) events.push(event);
    }
    return events;
  }
}
