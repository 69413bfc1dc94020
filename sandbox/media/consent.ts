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
 * ×0.8–1.2) and the same end: no authenticated response for 30 s fails the connection. The
 * request's bytes are written by stun.ts (werift's encoder writes a message over four times).
 *
 * The peer's checks are answered here too, when they are consent checks: a Binding request
 * from the nominated pair's remote address, to our username fragment, with a MESSAGE-INTEGRITY
 * that verifies with our password (werift does not check it), no USE-CANDIDATE and no role
 * conflict. The answer is werift's (a success response with XOR-MAPPED-ADDRESS,
 * MESSAGE-INTEGRITY, FINGERPRINT; an IPv4 sender's, written by stun.ts), sent to the same address, and
 * the pair's counters move as werift's do. Why: werift's answer goes through its STUN parser,
 * its request listeners and `checkIncoming`, which serialises the request and the pair to JSON
 * for a debug log whether or not it is enabled. Any other request (a nomination, a role
 * conflict, another address, another fragment) is werift's, as before.
 *
 * Attaching stops werift's own cycle (`stopConsentLifecycle`) and keeps its `consentFresh`
 * true while consent holds, so werift's `canSendApplicationData()` still says whether media may
 * flow; stopping hands the cycle back to werift (`queryConsent`) when the connection is still up.
 * Anything not as expected leaves werift's consent running.
 */
import type { KeyObject } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { fromWeriftAttributes, MAGIC_COOKIE, readStun, StunAttribute, stunKey, writeStun, xorMappedAddressV4 } from './stun';

/** RFC 7675 §5.1: a check every 5 s on average, randomised over 0.8–1.2 of it. */
export const CONSENT_INTERVAL_MS = 5000;
/** RFC 7675 §5.1: consent expires 30 s after the last authenticated response. */
export const CONSENT_TIMEOUT_MS = 30_000;

/** What of werift's ICE `Connection` consent uses (checked at attach). */
interface IceConnectionLike {
  state: string;
  consentFresh: boolean;
  remotePassword: string;
  localPassword: string;
  localUsername: string;
  remoteUsername: string;
  iceControlling: boolean;
  nominated?: {
    localCandidate?: unknown;
    remoteAddr?: [string, number];
    consentRequestsSent?: number;
    requestsSent?: number;
    responsesReceived?: number;
    requestsReceived?: number;
    responsesSent?: number;
    noteIncomingRequest?(transactionIdHex: string): boolean;
  };
  stopConsentLifecycle(): void;
  queryConsent(): void;
  setState(state: string): void;
  buildRequest(options: { nominate: boolean; localUsername: string; remoteUsername: string; iceControlling: boolean; localCandidate: unknown }): {
    readonly transactionId: Buffer;
    readonly messageMethod?: unknown;
    readonly messageClass?: unknown;
    /** werift's [name, value] pairs: what stun.ts writes. */
    getAttributes?(): unknown;
    /** Attributes of types werift does not know, written after the rest. */
    readonly rawAttributes?: unknown;
    addMessageIntegrity(key: KeyObject): { addFingerprint(): { bytes: Buffer } };
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
    typeof c.localPassword === 'string' &&
    c.localPassword.length > 0 &&
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

/** Binding requests, success and error responses. */
const BINDING_REQUEST = 0x0001;
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
  /** Each ICE password's HMAC key (ours and the peer's), made once (`stunKey`); an ICE restart brings new ones. */
  private readonly keys = new Map<string, KeyObject>();
  /** Checks sent and authenticated responses taken, and the peer's checks answered, for tests and diagnostics. */
  requestsSent = 0;
  responsesReceived = 0;
  requestsAnswered = 0;

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
   * Takes a datagram from `from` that is the response to our pending check, after checking its
   * MESSAGE-INTEGRITY with the peer's password, or the peer's consent check, which it answers
   * (true); anything else is left to werift (false).
   */
  take(data: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>): boolean {
    if (data.length < 20 || data[0]! > 1 || data.readUInt32BE(4) !== MAGIC_COOKIE) return false;
    const type = data.readUInt16BE(0);
    if (type === BINDING_REQUEST) return this.answer(data, from);
    const pending = this.pending;
    if (pending === null || (type !== BINDING_SUCCESS && type !== BINDING_ERROR) || data.compare(pending, 0, 12, 8, 20) !== 0) return false;
    this.pending = null;
    // RFC 7675 §5.1: only an authenticated success response refreshes consent; an error response does not.
    if (type === BINDING_SUCCESS && readStun(data, this.keyOf(this.connection.remotePassword)) !== null) {
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

  /** The HMAC key of an ICE password (the connection's current ours or the peer's). */
  private keyOf(password: string): KeyObject {
    let key = this.keys.get(password);
    if (!key) {
      if (this.keys.size >= 4) this.keys.clear(); // passwords of earlier ICE generations
      key = stunKey(password);
      this.keys.set(password, key);
    }
    return key;
  }

  /**
   * Answers the peer's consent check as werift would (true), or leaves the request to werift
   * (false): anything but a check of the nominated pair from its remote address, to our
   * fragment, authenticated with our password, with no nomination and no role conflict.
   */
  private answer(data: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>): boolean {
    const connection = this.connection;
    const pair = connection.nominated;
    const remote = pair?.remoteAddr;
    if (this.stopped || !pair || !remote || remote[0] !== from.address || remote[1] !== from.port) return false;
    // The answer's one attribute; an address stun.ts does not write (not IPv4) is werift's to answer.
    const mapped = xorMappedAddressV4(from.address, from.port);
    if (mapped === null) return false;
    const key = this.keyOf(connection.localPassword);
    // Authenticated with our password (MESSAGE-INTEGRITY) and undamaged (FINGERPRINT), or not ours to answer.
    const request = readStun(data, key);
    if (request === null || request.type !== BINDING_REQUEST) return false;
    // USERNAME is "ours:theirs" (RFC 8445 §7.2.2).
    const colon = request.username?.indexOf(':') ?? -1;
    if (colon <= 0 || request.username!.slice(0, colon) !== connection.localUsername) return false;
    if (request.useCandidate || (connection.iceControlling ? request.iceControlling : request.iceControlled)) return false;
    // What werift answers (a Binding success response: XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT), written by stun.ts.
    this.send(writeStun(BINDING_SUCCESS, request.transactionId, [[StunAttribute.XOR_MAPPED_ADDRESS, mapped]], key));
    this.requestsAnswered++;
    // The pair's counters, as werift's checkIncoming moves them.
    pair.noteIncomingRequest?.(request.transactionId.toString('hex'));
    if (typeof pair.requestsReceived === 'number') pair.requestsReceived++;
    if (typeof pair.responsesSent === 'number') pair.responsesSent++;
    return true;
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
      const key = this.keyOf(connection.remotePassword);
      // werift's request, written by stun.ts; by werift when it holds something stun.ts does not write.
      const attributes = request.messageMethod === 1 && request.messageClass === 0 && typeof request.getAttributes === 'function' ? fromWeriftAttributes(request.getAttributes(), request.rawAttributes ?? []) : null;
      const bytes = attributes ? writeStun(BINDING_REQUEST, id, attributes, key) : request.addMessageIntegrity(key).addFingerprint().bytes;
      this.pending = id;
      this.requestsSent++;
      if (typeof pair.consentRequestsSent === 'number') pair.consentRequestsSent++;
      if (typeof pair.requestsSent === 'number') pair.requestsSent++;
      this.send(bytes);
    }
    this.schedule();
  }
}
