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

/** `limit` (1–200, default 50) and `offset` (default 0) of a paged list. */
export const pageQuery = z.object({
  limit: intParam(1, 200, 50),
  offset: intParam(0, 1_000_000, 0),
});
