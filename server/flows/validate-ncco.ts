/**
 * Validating an operator's custom NCCO before it is saved (seed 000 §3.4).
 *
 * The platform would reject a malformed NCCO only when a caller is already on the line, so
 * the backend checks it up front with the strict mode of the one NCCO schema in
 * `common/ncco-schema.ts` (the sandbox runs NCCOs with its lenient mode; the
 * console's NCCO editor uses too). The schemas' output type is checked against
 * `./ncco.ts` (the `@vonage/voice` types) at compile time.
 */
import type { z } from 'zod';
import { nccoSchema } from '../../common/ncco-schema';
import { locateIssue, type LocatedIssue } from './issues';
import type { Ncco } from './ncco';

export { httpUrl, MAX_NCCO_ACTIONS, nccoSchema } from '../../common/ncco-schema';

/** Fails to compile if what the schema accepts is not an {@link Ncco}. */
type Assignable<T extends U, U> = T;
export type ValidatedNcco = Assignable<z.output<typeof nccoSchema>, Ncco>;

/** The outcome of {@link validateNcco}. */
export type NccoValidation = { ok: true; ncco: Ncco } | ({ ok: false } & LocatedIssue);

/**
 * Check a value as an NCCO.
 *
 * On failure, `field` is the path of the first problem below `root`, e.g.
 * `ncco[2].endpoint[0].user`, and `message` says what is wrong with it.
 */
export function validateNcco(value: unknown, root = 'ncco'): NccoValidation {
  const result = nccoSchema.safeParse(value);
  if (result.success) return { ok: true, ncco: result.data };
  return { ok: false, ...locateIssue(result.error, value, root) };
}
