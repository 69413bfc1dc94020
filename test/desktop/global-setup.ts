/**
 * Playwright global setup for the desktop projects: bundles main, preload and the harness,
 * so every run tests the current main-process code (never a stale bundle).
 */
import { buildDesktop } from '../../scripts/build-desktop';

export default async function globalSetup(): Promise<void> {
  await buildDesktop('all');
}
