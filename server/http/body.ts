/**
 * Request bodies: JSON and form bodies are checked for absurd nesting before anything walks them.
 *
 * Every body we accept (webhooks, API) is a few levels deep. A body nested thousands of levels
 * parses, then overflows the stack of whatever recurses over it next (JSON.stringify when an
 * event is stored, a validator), which would be a 500; refusing it up front is a 400 instead.
 * Size is capped separately by Fastify's `bodyLimit` (413).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors';

/** Deepest nesting of objects and arrays a JSON body (or a JSON text in a form field) may have. */
export const MAX_BODY_DEPTH = 32;

/**
 * Whether JSON text opens more than `limit` objects/arrays inside one another.
 *
 * A scan of the text, not a parse: it needs no stack however deep the text is, and brackets
 * inside strings are skipped. Malformed JSON is left for the parser to refuse.
 */
export function jsonNestingExceeds(text: string, limit: number = MAX_BODY_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** The 400 for a body nested deeper than {@link MAX_BODY_DEPTH}. */
export function tooDeep(): HttpError {
  return new HttpError(400, 'body_too_deep', `The request body is nested more than ${MAX_BODY_DEPTH} levels deep`);
}

/** A JSON body parser: the nesting check, then Fastify's default parser (prototype-poisoning checks, its error codes). */
export type JsonBodyParser = (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) => void;

/**
 * Build the JSON parser for `instance`; `keep` sees the text once it passed the depth check
 * (the webhooks keep it for the signature's payload hash).
 */
export function boundedJsonParser(instance: FastifyInstance, keep?: (request: FastifyRequest, text: string) => void): JsonBodyParser {
  const parseJson = instance.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonNestingExceeds(text)) {
      done(tooDeep());
      return;
    }
    keep?.(request, text);
    parseJson(request, text, done);
  };
}

/**
 * Replace the app's JSON parser with {@link boundedJsonParser}; scopes that add their own JSON
 * parser must remove this one first (see `captureRawBodies`).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, boundedJsonParser(app));
}
