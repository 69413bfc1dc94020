/**
 * Turning a zod issue into a 400 that names the exact place of the error.
 *
 * Operators paste NCCOs and flow settings with nested arrays, so the field is written the
 * way they would point at it in JSON: `ncco[2].endpoint[0].user`, `ivr.options[1].digit`.
 */
import type { z } from 'zod';
import { HttpError, describeIssue, valueAt } from '../http/errors';

/** Where an issue sits: a root name and the issue's path below it. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** One located problem: the field's path and what is wrong with it. */
export interface LocatedIssue {
  field: string;
  message: string;
}

/**
 * Locate and phrase the first issue of a zod error.
 *
 * `data` is the value that was parsed (to tell "missing" from "wrong type"); `root` prefixes
 * the path (`ncco`), or is empty for a request body whose fields are the roots.
 */
export function locateIssue(error: z.ZodError, data: unknown, root = ''): LocatedIssue {
  const issue = error.issues[0];
  if (!issue) return { field: root, message: 'is invalid' };
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return { field: formatPath(root, [...issue.path, key]), message: 'is not a known field here' };
  }
  const field = formatPath(root, issue.path);
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    // A discriminated union whose discriminator (the path's last key) matched no option.
    if (valueAt(data, issue.path) === undefined) return { field, message: 'is required' };
    return { field, message: `must be one of: ${issue.options.map((v: unknown) => String(v)).join(', ')}` };
  }
  return { field, message: describeIssue(issue, data) };
}

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
