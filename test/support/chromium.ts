/**
 * Debian Chromium for browser and desktop-harness tests.
 *
 * Playwright cannot download its own browsers here, so tests launch the system build
 * directly (the /usr/bin wrapper misbehaves) with fake media devices and the
 * background-networking features off (the closed network refuses their connections).
 */
import { chromium, type Browser, type LaunchOptions } from 'playwright';
import { existsSync } from 'node:fs';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

/**
 * The features Playwright itself disables when it launches Chromium (playwright-core 1.65's
 * `chromiumSwitches`). Chromium keeps only the last `--disable-features` on its command line,
 * and `chromiumArgs` come after Playwright's own switches: without these names in ours, passing
 * ours switched Playwright's back on. `test/e2e/chromium-launch.spec.ts` fails when Playwright
 * disables a feature this list lacks.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/** The features the tests disable besides Playwright's. */
const TEST_DISABLED_FEATURES = [
  // Host candidates as IP addresses, not mDNS names: the platform's ICE reaches them on loopback.
  'WebRtcHideLocalIpsWithMdns',
  // Chromium 156 preloads its address bar's popup, a WebUI page in a renderer of its own, for
  // every window, headless ones included: each new context paid about a second of CPU for it
  // (10 contexts: 16–17 s of Chromium CPU against 5.6–6.4 s without it, three runs each), on
  // the 2 cores the platform and the other tests share.
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
];

export const chromiumArgs = [
  '--no-sandbox',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
  '--allow-file-access-from-files',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--no-first-run',
  '--disable-quic',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...TEST_DISABLED_FEATURES].join(',')}`,
];

/** Launches headless Debian Chromium with the flags every test needs. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    ...options,
  });
}
