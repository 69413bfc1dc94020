/**
 * Saying what is wrong with a value a zod schema refused, naming the field the way a person
 * points at it in JSON (`ncco[2].endpoint[0].user`, `options[1].digit`). The backend's 400s
 * (`server/http/errors.ts`, `server/flows/issues.ts`) and the console's editors, which check
 * as the operator types with the same schemas, phrase it the same way.
 */
import type { z } from 'zod';

/**
 * Phrase a zod issue to follow its field's name ("is required", "must be a string").
 *
 * `data` is the value that was parsed, to tell a missing field from one of the wrong type.
 */
export function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  if (issue.code === 'invalid_type') {
    // zod reports a missing field as a type mismatch; say what the client needs to hear.
    if (valueAt(data, issue.path) === undefined) return 'is required';
    return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
  }
  // Our schemas phrase their messages to follow the field name ("is required"); zod's own
  // defaults are sentences, so those get a colon.
  return /^[a-z]/.test(issue.message) ? issue.message : `is invalid: ${issue.message}`;
}

/** The value at a zod issue's path inside `data`, or undefined where the path leads nowhere. */
export function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

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

