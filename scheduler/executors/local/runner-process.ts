// One runner child process: forked with its GPUs in CUDA_VISIBLE_DEVICES, one attempt at a time.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AttemptRequest, ParentMessage, RunnerMessage } from '../../../runner/protocol.ts';

const RUNNER_ENTRY = fileURLToPath(new URL('../../../runner/main.ts', import.meta.url));

export class RunnerProcess {
  readonly visibleDevices: string;
  private readonly child: ChildProcess;
  private listener?: (message: RunnerMessage) => void;
  private exitListener?: (code: number | null, signal: NodeJS.Signals | null) => void;
  readonly ready: Promise<void>;
  exited = false;

  constructor(visibleDevices: string, env: NodeJS.ProcessEnv = process.env) {
    this.visibleDevices = visibleDevices;
    this.child = fork(RUNNER_ENTRY, [], {
      env: { ...env, CUDA_VISIBLE_DEVICES: visibleDevices },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: RunnerMessage) => {
        if (message.type === 'ready') resolve();
      };
      this.child.on('message', onMessage);
      this.child.once('exit', (code) =>
        reject(new Error(`runner exited before it was ready (code ${code})`)),
      );
    });
    this.ready.catch(() => undefined);
    this.child.on('message', (message: RunnerMessage) => this.listener?.(message));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitListener?.(code, signal);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Routes this attempt's messages and the process's exit to the caller until the attempt ends. */
  attach(
    onMessage: (message: RunnerMessage) => void,
    onExit: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): void {
    this.listener = onMessage;
    this.exitListener = onExit;
  }

  detach(): void {
    this.listener = undefined;
    this.exitListener = undefined;
  }

  send(message: ParentMessage): void {
    if (!this.exited && this.child.connected) this.child.send(message);
  }

  run(request: AttemptRequest): void {
    this.send({ type: 'run', request });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exited) this.child.kill(signal);
  }
}
