/**
 * Polling for tests that watch a live system (a call progressing, a webhook arriving).
 */

/**
 * Reads `read()` until `done` holds or `ms` pass, and returns the last value read; the
 * caller's assertion on it then fails with what was actually there.
 */
export async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, ms = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
