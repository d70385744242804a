// Typed errors that map to RFC 9457 problem+json responses in one place (api/problem.ts).

/** A field-level problem: `field` is a dotted path into the request body, e.g. "resources.gpus". */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly problems: FieldProblem[];
  constructor(status: number, title: string, detail: string, problems: FieldProblem[] = []) {
    super(detail);
    this.name = new.target.name;
    this.status = status;
    this.title = title;
    this.problems = problems;
  }
}

/** The body is well-formed but asks for something this system cannot do (unknown queue, never fits, ...). */
export class UnprocessableJobError extends ApiError {
  constructor(detail: string, problems: FieldProblem[] = []) {
    super(422, 'Unprocessable job', detail, problems);
  }
}

export class ValidationError extends ApiError {
  constructor(detail: string, problems: FieldProblem[]) {
    super(400, 'Invalid request', detail, problems);
  }
}

export class NotFoundError extends ApiError {
  constructor(detail: string) {
    super(404, 'Not found', detail);
  }
}

export class ConflictError extends ApiError {
  constructor(detail: string) {
    super(409, 'Conflict', detail);
  }
}
