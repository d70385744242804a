// Exit codes and the errors that carry them up to main, which prints the message once.
export const EXIT = {
  ok: 0,
  /** The job failed, the server failed, or it could not be reached. */
  failure: 1,
  /** The request was wrong: usage, an invalid spec file, a 4xx answer. */
  usage: 2,
} as const;

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Wrong command line: main prints the message and the usage text. */
export class UsageError extends CliError {
  readonly usage: string;
  constructor(message: string, usage: string) {
    super(message, EXIT.usage);
    this.usage = usage;
  }
}

/** The server did not answer at all (refused, reset, DNS): worth retrying while waiting on a job. */
export class ServerUnreachableError extends CliError {
  constructor(message: string) {
    super(message, EXIT.failure);
  }
}
