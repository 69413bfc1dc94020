/**
 * What the platform logged, shown with a failed test: attached to the test's result whole, and
 * its last lines printed, so a failure in CI (whose files may be gone) still shows what the
 * backend and the sandbox did — a flaky failure is otherwise a trace of the page alone.
 */
import { test } from '@playwright/test';
import type { TestPlatform } from './platform';

/** Lines printed with a failure; all of them (up to `LOG_LINES`) are attached. */
export const PRINTED_LINES = 150;

/**
 * Registers, for the calling spec file, an `afterEach` that shows the platform's kept log when
 * the test did not end as expected. Call it before other `afterEach` hooks (sign-out) so the
 * log ends where the test did.
 */
export function platformLogOnFailure(platform: () => TestPlatform | undefined): void {
  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status === testInfo.expectedStatus) return;
    const lines = platform()?.logTail() ?? [];
    if (lines.length === 0) return;
    await testInfo.attach('platform.log', { body: lines.join('\n'), contentType: 'text/plain' });
    const shown = lines.slice(-PRINTED_LINES);
    console.error(`--- the platform's log, last ${shown.length} of ${lines.length} lines (all of them attached as platform.log) ---\n${shown.join('\n')}\n--- end of the platform's log ---`);
  });
}
