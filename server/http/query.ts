/**
 * Building blocks for query-string schemas: numbers and times arrive as text.
 */
import { z } from 'zod';

/**
 * A whole number in a query string, within bounds, with a default.
 *
 * Messages follow the field name ("limit must be at most 200").
 */
export function intParam(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^[0-9]{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback);
}

/** A point in time in a query string (ISO 8601 date or date-time), normalised to UTC ISO. */
export const timeParam = z
  .string()
  .max(64, 'is at most 64 characters')
  .regex(/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'must be an ISO 8601 date or time, e.g. 2026-03-02 or 2026-03-02T09:00:00Z')
  .refine((v) => Number.isFinite(Date.parse(v)), 'must be a real date')
  .transform((v) => new Date(v).toISOString());

/** Where a list's next page starts (see `PageCursor` in server/storage/types.ts). */
export interface Cursor {
  started_at: string;
  conversation_uuid: string;
}

/** A cursor as the API shows it (`next_cursor`): opaque base64url text. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.started_at, cursor.conversation_uuid]), 'utf8').toString('base64url');
}

const STORED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Read a cursor back; undefined when it is not one this API handed out. */
export function decodeCursor(text: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,800}$/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [startedAt, conversationUuid] = value as unknown[];
  if (typeof startedAt !== 'string' || !STORED_TIME.test(startedAt) || !Number.isFinite(Date.parse(startedAt))) return undefined;
  if (typeof conversationUuid !== 'string' || conversationUuid.length === 0 || conversationUuid.length > 256) return undefined;
  return { started_at: startedAt, conversation_uuid: conversationUuid };
}

/** `cursor` of a paged list: a page's `next_cursor`, as given. */
export const cursorParam = z.string().transform((text, ctx) => {
  const cursor = decodeCursor(text);
  if (!cursor) {
    ctx.addIssue({ code: 'custom', message: 'must be a next_cursor from a previous page' });
    return z.NEVER;
  }
  return cursor;
});

/**
 * `limit` (1–200, default 50), `offset` (default 0) and `cursor` of a paged list.
 *
 * `cursor` (a page's `next_cursor`) continues after that page's last call, whatever
 * arrived meanwhile; `offset` then counts from it. Plain `offset` paging still works.
 */
export const pageQuery = z.object({
  limit: intParam(1, 200, 50),
  offset: intParam(0, 1_000_000, 0),
  cursor: cursorParam.optional(),
});
