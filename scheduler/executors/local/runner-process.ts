// One runner child process: forked with its GPUs in CUDA_VISIBLE_DEVICES, one attempt at a time.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AttemptRequest, ParentMessage, RunnerMessage } from '../../../runner/protocol.ts';

const RUNNER_ENTRY = fileURLToPath(new URL('../../../runner/main.ts', import.meta.url));
/** Enough of stderr to hold V8's out-of-memory report, which says why the process died. */
const STDERR_TAIL_BYTES = 8192;

export interface RunnerProcessOptions {
  env?: NodeJS.ProcessEnv;
  /** The runner's JavaScript heap limit (--max-old-space-size); Node's default when absent. */
  maxHeapMiB?: number;
}

export class RunnerProcess {
  readonly visibleDevices: string;
  private readonly child: ChildProcess;
  private listener?: (message: RunnerMessage) => void;
  private exitListener?: (code: number | null, signal: NodeJS.Signals | null) => void;
  private stderr = '';
  readonly ready: Promise<void>;
  exited = false;

  constructor(visibleDevices: string, options: RunnerProcessOptions = {}) {
    this.visibleDevices = visibleDevices;
    const heap = options.maxHeapMiB ? [`--max-old-space-size=${options.maxHeapMiB}`] : [];
    this.child = fork(RUNNER_ENTRY, [], {
      env: { ...(options.env ?? process.env), CUDA_VISIBLE_DEVICES: visibleDevices },
      execArgv: [...process.execArgv, ...heap],
      // stderr goes on to ours, and its tail is kept: it is how an out-of-memory death is told apart.
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL_BYTES);
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
    this.child.on('exit', () => {
      this.exited = true;
    });
    // 'close' comes after the last of stderr has been read, so the exit's cause is known by then.
    this.child.on('close', (code, signal) => this.exitListener?.(code, signal));
  }

  /** The last few KiB the process wrote to stderr. */
  stderrTail(): string {
    return this.stderr;
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
