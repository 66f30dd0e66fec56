import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** RFC 9457 problem details. `type` is a relative URI under /problems, documented in the README. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** For validation problems: every failing field with the rule it breaks. */
  errors?: Array<{ field: string; rule: string }>;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An error that is meant for the caller: it becomes exactly this problem+json response. */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }
}

export function problem(status: number, slug: string, title: string, extra: Omit<Partial<ProblemDetails>, 'status' | 'type' | 'title'> = {}): ProblemDetails {
  return { type: `/problems/${slug}`, title, status, ...extra };
}

/** The slug for HTTP errors raised by Nest or Express themselves (bad JSON, too large, no route). */
function fromHttpException(exception: HttpException): ProblemDetails {
  const status = exception.getStatus();
  const response = exception.getResponse() as { message?: string | string[] } | string;
  const message = typeof response === 'string' ? response : Array.isArray(response.message) ? response.message.join('; ') : response.message;
  switch (status) {
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return problem(status, 'payload-too-large', 'Request body too large', { detail: message });
    case HttpStatus.NOT_FOUND:
      return problem(status, 'not-found', 'Not found', { detail: message });
    case HttpStatus.BAD_REQUEST:
      return problem(status, 'bad-request', 'Bad request', { detail: message });
    default:
      return problem(status, `http-${status}`, exception.message, { detail: message });
  }
}

/**
 * The one place where errors become HTTP responses: every failure leaves as problem+json, and
 * anything unexpected is logged here and answered with a 500 that reveals nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetailsFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let body: ProblemDetails;
    let headers: Record<string, string> = {};
    if (exception instanceof ProblemException) {
      body = exception.problem;
      headers = exception.headers;
    } else if (exception instanceof HttpException) {
      body = fromHttpException(exception);
    } else if (isBodyParserError(exception)) {
      body = bodyParserProblem(exception);
    } else {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
      body = problem(500, 'internal-error', 'Internal error', { detail: 'The error was logged; nothing was accepted.' });
    }
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }
}

interface BodyParserError {
  type: string;
  status: number;
  message: string;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && typeof (error as BodyParserError).type === 'string' && typeof (error as BodyParserError).status === 'number';
}

/** Express's body parser rejects malformed JSON and oversized bodies before any controller runs. */
function bodyParserProblem(error: BodyParserError): ProblemDetails {
  if (error.type === 'entity.too.large') {
    return problem(413, 'payload-too-large', 'Request body too large', { detail: `The body exceeds the limit of ${error.limit} bytes.` });
  }
  if (error.type === 'entity.parse.failed') {
    return problem(400, 'malformed-json', 'Malformed JSON', { detail: 'The request body is not valid JSON.' });
  }
  return problem(error.status, 'bad-request', 'Bad request', { detail: error.message });
}

/**
 * Express error middleware for the JSON body parser: malformed JSON and oversized bodies are
 * answered here as problem+json, before Nest would turn them into a generic 400.
 */
export function bodyParserErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (!isBodyParserError(error)) return next(error);
  const body = bodyParserProblem(error);
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** One failing field of a request and the rule it breaks. */
export interface FieldError {
  field: string;
  rule: string;
}

/** The failing fields of a zod parse, as problem+json names them (dotted paths, the rule in words). */
export function fieldErrorsOf(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: readonly string[] }>, prefix = ''): FieldError[] {
  const fieldOf = (path: ReadonlyArray<PropertyKey>) => [prefix, ...path.map(String)].filter(Boolean).join('.') || '(body)';
  // An unknown field is named itself, so a caller sees which of their fields is not part of the contract.
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), rule: 'is not a field of this request' }))
      : [{ field: fieldOf(issue.path), rule: issue.message }],
  );
}

/** 422 validation-failed (a body that breaks its contract) or 400 bad-request (an unusable parameter), naming every field. */
export function invalidRequest(errors: FieldError[], status: 400 | 422 = 422): ProblemException {
  const title = status === 422 ? 'The request breaks its contract' : 'Bad request parameters';
  return new ProblemException(problem(status, status === 422 ? 'validation-failed' : 'bad-request', title, { errors }));
}
