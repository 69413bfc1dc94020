/**
 * Click to dial: `tel:`, `callto:` and `sip:` links (where the SIP user is a phone number)
 * open Switchboard with the number, which the app shows with Call / Cancel. Nothing is ever
 * dialled without the agent's click.
 *
 * Links arrive on the command line of the first start, on a second start's command line
 * (`second-instance`, the single-instance lock hands it over) and, on macOS, through
 * `open-url`. The app registers itself for the schemes at run time where that is allowed;
 * the installers declare them too (`.desktop` MimeType, NSIS, Info.plist) — the same list.
 */
import { checkPhoneNumber, formatPhoneNumber } from '../common/phone-number';
import type { AppApi } from './electron-api';
import { createLogger, type Logger } from './log';

/** The URL schemes Switchboard handles (packaging declares the same). */
export const DIAL_PROTOCOLS = ['tel', 'callto', 'sip'] as const;

/** A number from a link, checked and formatted. */
export interface DialRequest {
  /** E.164 digits without the plus, as the dialler takes them. */
  number: string;
  /** `+1 415 555 0100`. */
  display: string;
}

/**
 * The number a dial link names, or null when `link` is not a dial link or names no valid
 * international number. `tel:+1-415-555-0100`, `callto:+14155550100`, `callto://+1 415…`,
 * `sip:+14155550100@example.com;user=phone`; parameters (`;ext=`, `;phone-context=`) and
 * URL escapes are handled.
 */
export function parseDialLink(link: string): DialRequest | null {
  const match = /^(tel|callto|sip):(?:\/\/)?([^?#]*)/i.exec(link.trim());
  if (!match) return null;
  const scheme = (match[1] ?? '').toLowerCase();
  let target: string;
  try {
    target = decodeURIComponent(match[2] ?? '');
  } catch {
    return null;
  }
  // tel: and callto: parameters follow ';'; sip: has user@host;params (the user is the number).
  if (scheme === 'sip') {
    const at = target.indexOf('@');
    if (at >= 0) target = target.slice(0, at);
  }
  const semicolon = target.indexOf(';');
  if (semicolon >= 0) target = target.slice(0, semicolon);
  const checked = checkPhoneNumber(target);
  if (!checked.ok) return null;
  return { number: checked.digits, display: formatPhoneNumber(checked.e164) };
}

/** The first dial link on a command line (Electron's own switches and the app path are skipped), as it parses. */
export function dialLinkFromArgv(argv: readonly string[]): { link: string; request: DialRequest | null } | null {
  for (const arg of argv) {
    if (/^(tel|callto|sip):/i.test(arg)) return { link: arg, request: parseDialLink(arg) };
  }
  return null;
}

/** Options of {@link ClickToDial}. */
export interface ClickToDialOptions {
  app: Pick<AppApi, 'on' | 'isPackaged' | 'setAsDefaultProtocolClient' | 'isDefaultProtocolClient'>;
  platform: NodeJS.Platform;
  /** A link named a number: show it to the agent (and bring the window forward). */
  onRequest(request: DialRequest): void;
  /** A link named something that is not a phone number: say so. */
  onInvalid(message: string): void;
  log?: Logger;
}

/** Receives dial links from every way the OS hands them over. */
export class ClickToDial {
  private readonly log: Logger;

  constructor(private readonly options: ClickToDialOptions) {
    this.log = options.log ?? createLogger('click-to-dial');
    // Before the app is ready: macOS sends the link that launched the app early.
    options.app.on('open-url', (event, url) => {
      event.preventDefault();
      this.handle(url);
    });
  }

  /** A command line (the first start's, or a second instance's): handles a dial link on it. */
  fromArgv(argv: readonly string[]): boolean {
    const found = dialLinkFromArgv(argv);
    if (!found) return false;
    this.handle(found.link);
    return true;
  }

  /** A link: a valid number becomes a request, anything else a message. */
  handle(link: string): void {
    const request = parseDialLink(link);
    if (request) {
      this.log.info('Dial link received', { scheme: link.split(':')[0]?.toLowerCase() });
      this.options.onRequest(request);
    } else {
      this.log.warn('A dial link named no valid phone number', { scheme: link.split(':')[0]?.toLowerCase() });
      this.options.onInvalid('The link did not contain a phone number Switchboard can call. Numbers need their country code, e.g. +14155550100.');
    }
  }

  /**
   * Makes Switchboard the handler of the schemes, where the app can do that itself: a
   * packaged app (a development run would register the bare Electron binary) on macOS and
   * Windows; on Linux the `.desktop` entry's MimeType declares them at install.
   */
  register(): string[] {
    const { app, platform } = this.options;
    if (!app.isPackaged || (platform !== 'darwin' && platform !== 'win32')) return [];
    const registered: string[] = [];
    for (const protocol of DIAL_PROTOCOLS) {
      try {
        if (app.isDefaultProtocolClient(protocol) || app.setAsDefaultProtocolClient(protocol)) registered.push(protocol);
      } catch (error) {
        this.log.warn('Could not register as a protocol handler', { protocol, error });
      }
    }
    return registered;
  }
}
