// A tiny Server-Sent Events reader for tests: opens a stream with fetch and collects the events the CLI's
// parser reads from it.
import { type SseEvent, SseParser } from '../../cli/sse.ts';

export type { SseEvent } from '../../cli/sse.ts';

export interface SseStream {
  status: number;
  /** Resolves with the next `n` events (comments such as `: ping` skipped); rejects after `timeoutMs`. */
  take(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
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
    const parser = new SseParser();
    (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        queue.push(...parser.push(value));
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
