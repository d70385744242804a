// Failures a kernel can name precisely; the runner turns them into non-retryable attempt failures.

/** The model file exists but cannot be loaded or does not have the shape inference needs. */
export class ModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
  }
}

/** The input is readable but does not fit what the kernel or model expects (e.g. column count). */
export class InputMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputMismatchError';
  }
}
