/**
 * The console page's Content-Security-Policy: everything from this server only, no inline
 * script or style, no framing, no forms posting anywhere.
 */
import type { SdkConnection } from '../config';
import { sdkConnectSources } from '../http/security';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The console's CSP with supervisor monitoring: as {@link CONSOLE_CSP}, plus the Client SDK's
 * REST and socket hosts in `connect-src` and the call's remote audio (`blob:`/`mediastream:`)
 * in `media-src` — nothing else.
 */
export function buildConsoleCsp(sdk: SdkConnection): string {
  const connect = [...sdkConnectSources(sdk)].join(' ');
  return CONSOLE_CSP.replace("connect-src 'self'", `connect-src ${connect}`).replace("media-src 'self'", "media-src 'self' blob: mediastream:");
}
