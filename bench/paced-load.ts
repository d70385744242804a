// An open-loop load generator: request i is due at start + i / rate and is sent when due (over keep-alive
// sockets, at most `connections` at once), and its latency counts from when it was due, so a server that
// falls behind cannot hide its queue (no coordinated omission). autocannon's `overallRate` instead lets
// each connection send back to back until it has made its share of the second, then pause: arrivals come
// in a burst at the start of every second, which is a different load from "500 per second".
import http from 'node:http';

export interface PacedLoadOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  rate: number;
  seconds: number;
  connections: number;
}

export interface PacedLoadResult {
  sent: number;
  /** Requests answered 2xx. */
  ok: number;
  non2xx: number;
  /** No answer: connection errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
  /** Wall time from the first request due to the last answer. */
  durationSeconds: number;
  latencyMs: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
}

const TIMEOUT_MS = 10_000;

export function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(options.path, options.url);
  const latencies = new Float64Array(total);
  const statusCodes: Record<string, number> = {};
  let answered = 0;
  let errors = 0;
  let next = 0;
  const start = performance.now();

  return new Promise((resolve) => {
    const finish = () => {
      answered++;
      if (answered < total) return;
      agent.destroy();
      resolve(summary());
    };
    const send = (i: number) => {
      const due = start + i * interval;
      const request = http.request(
        target,
        { method: 'POST', agent, headers: options.headers, timeout: TIMEOUT_MS },
        (response) => {
          response.resume();
          response.on('end', () => {
            latencies[i] = performance.now() - due;
            const code = String(response.statusCode);
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            finish();
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => {
        latencies[i] = performance.now() - due;
        errors++;
        finish();
      });
      request.end(options.body);
    };
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) send(next++);
      if (next < total) setTimeout(tick, 1);
    };
    tick();
  });

  function summary(): PacedLoadResult {
    const sorted = latencies.toSorted();
    const at = (q: number) => round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!);
    const ok = Object.entries(statusCodes)
      .filter(([code]) => code.startsWith('2'))
      .reduce((sum, [, count]) => sum + count, 0);
    return {
      sent: total,
      ok,
      non2xx: total - ok - errors,
      errors,
      statusCodes,
      durationSeconds: (performance.now() - start) / 1000,
      latencyMs: {
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        p99_9: at(0.999),
        max: round(sorted.at(-1) ?? 0),
        mean: round(sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length)),
      },
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
