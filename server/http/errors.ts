/**
 * One error shape for every 4xx/5xx answer, and the handlers that produce it.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiErrorBody } from '../../common/backend-api';
import { describeIssue } from '../../common/zod-issues';

export { describeIssue, valueAt } from '../../common/zod-issues';

/**
 * An error that becomes an HTTP answer as is.
 *
 * Route code throws it; the central error handler turns it into an {@link ApiErrorBody}.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, code: string, message: string, options: { field?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.field = options.field;
    this.headers = options.headers ?? {};
  }
}

/**
 * Build an {@link ApiErrorBody}.
 *
 * `field` is left out entirely when there is none, rather than sent as undefined.
 */
export function errorBody(code: string, message: string, field?: string): ApiErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

/**
 * Validate `data` with a zod schema, or throw a 400 naming the first bad field.
 *
 * `where` names the part of the request (body, query) for errors about the whole of it.
 */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, where: 'body' | 'query' = 'body'): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw validationError(result.error, data, where);
}

/**
 * Convert a zod error into a 400 `invalid_request` naming the first issue's field.
 *
 * `field` is the dotted path; the message starts with it ("name is required").
 */
export function validationError(error: z.ZodError, data: unknown, where: 'body' | 'query' = 'body'): HttpError {
  const issue = error.issues[0];
  if (!issue) return new HttpError(400, 'invalid_request', `The request ${where} is invalid`);
  const field = issue.path.map(String).join('.');
  if (field === '') {
    return new HttpError(400, 'invalid_request', `The request ${where} must be a JSON object`);
  }
  return new HttpError(400, 'invalid_request', `${field} ${describeIssue(issue, data)}`, { field });
}

/** Fastify's own client-error codes, mapped to ours. */
const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The request body is empty but declared as JSON' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 400, code: 'invalid_json', message: 'The request body must be JSON (Content-Type: application/json)' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_request', message: 'The request body length does not match Content-Length' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The request body is too large' },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_request', message: 'The request URL is malformed' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'invalid_request', message: 'The request is invalid' },
};

/**
 * Install the not-found and error handlers.
 *
 * 5xx answers never carry the internal message or stack: those go to the log only.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('not_found', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`));
  });

  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
      void reply.code(error.statusCode).send(errorBody(error.code, error.message, error.field));
      return;
    }
    if (error instanceof z.ZodError) {
      const converted = validationError(error, undefined);
      void reply.code(400).send(errorBody(converted.code, converted.message, converted.field));
      return;
    }
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    const known = code ? FASTIFY_CLIENT_ERRORS[code] : undefined;
    if (known) {
      void reply.code(known.status).send(errorBody(known.code, known.message));
      return;
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      // Some other client error from Fastify: its message is about the request, safe to show.
      void reply.code(status).send(errorBody('invalid_request', error.message));
      return;
    }
    request.log.error({ err: error }, 'request failed');
    void reply.code(500).send(errorBody('internal_error', 'Something went wrong on the server'));
  });
}
