// A tiny Server-Sent Events reader for tests: opens a stream with fetch and collects parsed events.
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  /** Resolves with the next `n` events (comments such as `: ping` skipped); rejects after `timeoutMs`. */
  take(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
}

/** Parses complete SSE blocks from `buffer`; returns them and the unparsed rest. */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events = blocks.flatMap((block) => {
    const event: SseEvent = { event: 'message', data: '' };
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line === '') continue;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      fields++;
      if (name === 'id') event.id = value;
      else if (name === 'event') event.event = value;
      else if (name === 'data') event.data = event.data ? `${event.data}\n${value}` : value;
    }
    return fields > 0 ? [event] : [];
  });
  return { events, rest };
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const queue: SseEvent[] = [];
  let wake: (() => void) | undefined;
  if (response.body && response.ok) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const parsed = parseSse(buffer + value);
        buffer = parsed.rest;
        queue.push(...parsed.events);
        wake?.();
      }
    })().catch(() => {}); // aborted by close()
  }
  return {
    status: response.status,
    async take(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length < n) {
        if (Date.now() > deadline)
          throw new Error(`got ${queue.length} of ${n} events: ${JSON.stringify(queue)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      return queue.splice(0, n);
    },
    close: () => abort.abort(),
  };
}
