// A runner process (runner/main.ts) forked the way an executor forks it, with its messages collected.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ParentMessage, RunnerMessage } from '../../runner/protocol.ts';

const RUNNER_MAIN = fileURLToPath(new URL('../../runner/main.ts', import.meta.url));

export interface RunnerProcess {
  child: ChildProcess;
  messages: RunnerMessage[];
  send(message: ParentMessage): void;
  /** Resolves with the first message (from `from` on) that matches; rejects after `timeoutMs`. */
  waitFor<T extends RunnerMessage['type']>(
    type: T,
    options?: { jobId?: string; from?: number; timeoutMs?: number },
  ): Promise<Extract<RunnerMessage, { type: T }>>;
  exited: Promise<number | null>;
}

export function startRunner(): RunnerProcess {
  const child = fork(RUNNER_MAIN, [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  child.stderr?.resume();
  const messages: RunnerMessage[] = [];
  const listeners = new Set<() => void>();
  child.on('message', (message) => {
    messages.push(message as RunnerMessage);
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    messages,
    exited,
    send: (message) => child.send(message),
    waitFor: (type, { jobId, from = 0, timeoutMs = 15_000 } = {}) =>
      new Promise((resolve, reject) => {
        const find = () =>
          messages
            .slice(from)
            .find((m) => m.type === type && (jobId === undefined || ('jobId' in m && m.jobId === jobId)));
        const check = () => {
          const found = find();
          if (!found) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found as never);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${type} message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}
