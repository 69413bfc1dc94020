/**
 * Error answers in Vonage's shape (RFC 7807 style), which the SDK and server SDK parse.
 */
import type { FastifyReply } from 'fastify';
import type { ZodError } from 'zod';

/** Sends a Vonage-style error body. */
export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  invalid?: Array<{ name: string; reason: string }>,
): FastifyReply {
  return reply.code(status).send({
    type: code,
    code,
    title: httpTitle(status),
    detail,
    ...(invalid ? { invalid_parameters: invalid } : {}),
  });
}

/** Sends 400 naming every invalid field of a zod failure. */
export function sendValidationError(reply: FastifyReply, error: ZodError): FastifyReply {
  const invalid = error.issues.map((issue) => ({
    name: issue.path.join('.') || '(body)',
    reason: issue.message,
  }));
  const first = invalid[0]!;
  return sendError(reply, 400, 'validation_error', `Invalid ${first.name}: ${first.reason}`, invalid);
}

function httpTitle(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'Not Found';
    case 409:
      return 'Conflict';
    default:
      return status >= 500 ? 'Internal Error' : 'Error';
  }
}
