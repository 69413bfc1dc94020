/**
 * RFC 7675 consent freshness for a leg on the RTP fast path (srtp-path.ts), in place of werift's.
 *
 * Why: the media bench measured werift's consent checks at ~5 µs per RTP packet at 100 calls
 * (a Binding request every ~5 s per leg and its response: ~13 % of the sandbox's media CPU;
 * alternating windows with every leg's checks paused and running). Each of werift's rounds
 * goes through its transaction machinery: an abortable delay (an AbortController, a
 * listener and a DOMException when the next round aborts the last), a transaction with its
 * own timers and promises, a 30 s expiry timer cleared and set again, the response matched
 * through its STUN protocol's listeners. Sending a request built by werift's own code straight
 * to the nominated pair's socket, and taking its response before werift's parser, cost ~4 µs
 * a packet less in the same bench. The protocol is werift's: the same request (werift's
 * `buildRequest`, USERNAME, PRIORITY, ICE-CONTROLLING/CONTROLLED with its tie-breaker,
 * MESSAGE-INTEGRITY with the peer's password, FINGERPRINT), the same cadence (5 s, randomised
 * ×0.8–1.2) and the same end: no authenticated response for 30 s fails the connection.
 * Answering the peer's checks stays werift's.
 *
 * Attaching stops werift's own cycle (`stopConsentLifecycle`) and keeps its `consentFresh`
 * true while consent holds, so werift's `canSendApplicationData()` still says whether media may
 * flow; stopping hands the cycle back to werift (`queryConsent`) when the connection is still up.
 * Anything not as expected leaves werift's consent running.
 */
import { stunVerifies } from './udp-mux';

/** RFC 7675 §5.1: a check every 5 s on average, randomised over 0.8–1.2 of it. */
export const CONSENT_INTERVAL_MS = 5000;
/** RFC 7675 §5.1: consent expires 30 s after the last authenticated response. */
export const CONSENT_TIMEOUT_MS = 30_000;

/** What of werift's ICE `Connection` consent uses (checked at attach). */
interface IceConnectionLike {
  state: string;
  consentFresh: boolean;
  remotePassword: string;
  localUsername: string;
  remoteUsername: string;
  iceControlling: boolean;
  nominated?: { localCandidate?: unknown; consentRequestsSent?: number; requestsSent?: number; responsesReceived?: number };
  stopConsentLifecycle(): void;
  queryConsent(): void;
  setState(state: string): void;
  buildRequest(options: { nominate: boolean; localUsername: string; remoteUsername: string; iceControlling: boolean; localCandidate: unknown }): {
    readonly transactionId: Buffer;
    addMessageIntegrity(key: Buffer): { addFingerprint(): { bytes: Buffer } };
  };
  shouldNominateConsentRequest?(pair: unknown): boolean;
}

/** Whether ICE is up (werift's states), so consent has a pair to check. */
const isUp = (state: string) => state === 'connected' || state === 'completed';

function isIceConnection(value: unknown): value is IceConnectionLike {
  const c = value as Partial<IceConnectionLike> | undefined;
  return (
    typeof c?.state === 'string' &&
    typeof c.consentFresh === 'boolean' &&
    typeof c.remotePassword === 'string' &&
    c.remotePassword.length > 0 &&
    typeof c.localUsername === 'string' &&
    typeof c.remoteUsername === 'string' &&
    typeof c.iceControlling === 'boolean' &&
    typeof c.nominated === 'object' &&
    c.nominated !== null &&
    typeof c.stopConsentLifecycle === 'function' &&
    typeof c.queryConsent === 'function' &&
    typeof c.setState === 'function' &&
    typeof c.buildRequest === 'function'
  );
}

/** Timing, for tests; RFC 7675's by default. */
export interface ConsentTiming {
  intervalMs?: number;
  timeoutMs?: number;
}

/** STUN (RFC 5389): the first two bits are 0, the magic cookie follows the type and length. */
const MAGIC_COOKIE = 0x2112a442;
/** Binding success and error responses. */
const BINDING_SUCCESS = 0x0101;
const BINDING_ERROR = 0x0111;

/** One leg's consent checks, sent to the nominated pair's remote address. */
export class ConsentFreshness {
  private timer: NodeJS.Timeout | null = null;
  /** The transaction ID of the check awaiting its response (the last sent), or null. */
  private pending: Buffer | null = null;
  private lastConsent = performance.now();
  private stopped = false;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  /** Checks sent and authenticated responses taken, for tests and diagnostics. */
  requestsSent = 0;
  responsesReceived = 0;

  /**
   * Takes consent over from werift for `connection` (its nominated pair), or returns null and
   * changes nothing when werift's objects are not as expected. `send` puts a datagram on the wire
   * to the pair's remote address.
   */
  static attach(connection: unknown, send: (datagram: Buffer) => void, timing: ConsentTiming = {}): ConsentFreshness | null {
    if (!isIceConnection(connection) || !isUp(connection.state)) return null;
    return new ConsentFreshness(connection, send, timing);
  }

  private constructor(
    private readonly connection: IceConnectionLike,
    private readonly send: (datagram: Buffer) => void,
    timing: ConsentTiming,
  ) {
    this.intervalMs = timing.intervalMs ?? CONSENT_INTERVAL_MS;
    this.timeoutMs = timing.timeoutMs ?? CONSENT_TIMEOUT_MS;
    // werift's cycle stops (it clears consentFresh); consent was fresh a moment ago, as werift had it.
    connection.stopConsentLifecycle();
    connection.consentFresh = true;
    this.schedule();
  }

  /**
   * Takes a datagram that is the response to our pending check (true), after checking its
   * MESSAGE-INTEGRITY with the peer's password; anything else is left to werift (false).
   */
  take(data: Buffer): boolean {
    const pending = this.pending;
    if (pending === null || data.length < 20 || data[0]! > 1) return false;
    const type = data.readUInt16BE(0);
    if ((type !== BINDING_SUCCESS && type !== BINDING_ERROR) || data.readUInt32BE(4) !== MAGIC_COOKIE || data.compare(pending, 0, 12, 8, 20) !== 0) return false;
    this.pending = null;
    // RFC 7675 §5.1: only an authenticated success response refreshes consent; an error response does not.
    if (type === BINDING_SUCCESS && stunVerifies(data, this.connection.remotePassword)) {
      this.lastConsent = performance.now();
      this.responsesReceived++;
      const pair = this.connection.nominated;
      if (pair && typeof pair.responsesReceived === 'number') pair.responsesReceived++;
    }
    return true;
  }

  /** Stops the checks; hands the cycle back to werift when the connection is still up (`handBack`). */
  stop(handBack: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    if (handBack && this.connection.consentFresh && isUp(this.connection.state)) this.connection.queryConsent();
  }

  private schedule(): void {
    const delay = this.intervalMs * (0.8 + 0.4 * Math.random());
    this.timer = setTimeout(() => this.check(), delay);
    this.timer.unref();
  }

  private check(): void {
    this.timer = null;
    if (this.stopped) return;
    const connection = this.connection;
    if (connection.state === 'closed' || connection.state === 'failed') return this.stop(false);
    if (performance.now() - this.lastConsent >= this.timeoutMs) {
      // As werift when consent expires: media stops, the connection fails.
      this.stop(false);
      connection.consentFresh = false;
      connection.setState('failed');
      return;
    }
    const pair = connection.nominated;
    if (pair) {
      const request = connection.buildRequest({
        nominate: connection.shouldNominateConsentRequest?.(pair) ?? false,
        localUsername: connection.localUsername,
        remoteUsername: connection.remoteUsername,
        iceControlling: connection.iceControlling,
        localCandidate: pair.localCandidate,
      });
      // werift's Message draws a fresh random transaction ID for each request.
      const id = request.transactionId;
      // Not a transaction ID as werift makes them: werift's own cycle takes consent back.
      if (!Buffer.isBuffer(id) || id.length !== 12) return this.stop(true);
      const bytes = request.addMessageIntegrity(Buffer.from(connection.remotePassword, 'utf8')).addFingerprint().bytes;
      this.pending = id;
      this.requestsSent++;
      if (typeof pair.consentRequestsSent === 'number') pair.consentRequestsSent++;
      if (typeof pair.requestsSent === 'number') pair.requestsSent++;
      this.send(bytes);
    }
    this.schedule();
  }
}
