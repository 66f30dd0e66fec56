import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';

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
    case HttpStatus.UNSUPPORTED_MEDIA_TYPE:
      return problem(status, 'unsupported-media-type', 'Unsupported media type', { detail: 'Request bodies are JSON: Content-Type: application/json.' });
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
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let body: ProblemDetails;
    let headers: Record<string, string> = {};
    if (exception instanceof ProblemException) {
      body = exception.problem;
      headers = exception.headers;
    } else if (exception instanceof HttpException) {
      body = fromHttpException(exception);
    } else {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
      body = problem(500, 'internal-error', 'Internal error', { detail: 'The error was logged; nothing was accepted.' });
    }
    void reply.status(body.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }
}

/**
 * JSON bodies, through Fastify's own parser with prototype poisoning refused (a `__proto__` key,
 * or `constructor.prototype`, is an error, not data). A body that does not parse, or is poisoned,
 * is a 400 problem; bodies over the limit are refused by Fastify with 413 before they are read in
 * full. An empty body is no body.
 */
export function jsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    const text = String(body);
    if (text.length === 0) return done(null, undefined);
    parse(request, text, (error, value) => {
      if (error) return done(new ProblemException(problem(400, 'malformed-json', 'Malformed JSON', { detail: 'The request body is not valid JSON, or sets __proto__ or constructor.prototype.' })), undefined);
      done(null, value);
    });
  });
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
