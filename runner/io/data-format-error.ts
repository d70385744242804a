// A data file that exists but cannot be used; the message names the file and the problem.

export class DataFormatError extends Error {
  readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DataFormatError';
    this.file = file;
    this.problem = problem;
  }
}
