/**
 * Turning a zod issue into a 400 that names the exact place of the error.
 *
 * Operators paste NCCOs and flow settings with nested arrays, so the field is written the
 * way they would point at it in JSON: `ncco[2].endpoint[0].user`, `ivr.options[1].digit`.
 */
import type { z } from 'zod';
import { locateIssue } from '../../common/zod-issues';
import { HttpError } from '../http/errors';

export { formatPath, locateIssue, type LocatedIssue } from '../../common/zod-issues';

/**
 * Parse with a schema or throw a 400 `invalid_request` whose `field` is the bracketed path.
 *
 * For admin bodies whose fields nest arrays (numbers, queues, NCCOs).
 */
export function parseLocated<S extends z.ZodType>(schema: S, data: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const { field, message } = locateIssue(result.error, data, root);
  if (field === '') throw new HttpError(400, 'invalid_request', 'The request body must be a JSON object');
  throw new HttpError(400, 'invalid_request', `${field} ${message}`, { field });
}
