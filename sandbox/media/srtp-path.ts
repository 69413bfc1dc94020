/**
 * The hot path of a WebRTC leg's audio: RTP in and out under werift's RTCPeerConnection.
 *
 * Why this file exists (profile of `test/bench/media-capacity.ts` at 100 calls, werift 0.24):
 * - werift keeps SRTP session keys as Buffers, so every `createCipheriv`/`createHmac` imports
 *   the key again (Node 24: ~20 µs a packet each way, against ~5 µs with a `KeyObject`);
 *   `useKeyObjects` swaps the keys of a session for `KeyObject`s once, which werift's own code
 *   then uses unchanged (node:crypto takes either);
 * - werift's `RTCRtpSender.sendRtp` (header extensions rebuilt per packet, promise chains,
 *   RTCP and bandwidth bookkeeping), ICE's async `send`, the STUN parse tried on every
 *   datagram and the receiver's router, NACK and statistics are more than half of what a
 *   packet costs, none of which a G.711 leg with no header extensions needs.
 *   `RtpFastPath` writes SRTP packets straight to the nominated pair's UDP socket with the
 *   DTLS transport's own `SrtpSession`, and takes incoming SRTP (not SRTCP, DTLS or STUN,
 *   which still go to werift) from the ICE agent's UDP sockets (a peer may send to any of
 *   our candidates) before werift's 'message' listener sees it;
 * - the leg's ICE consent checks are consent.ts's while the path is attached, both ways (werift's
 *   consent rounds cost ~5 µs an RTP packet at 100 calls): its own, whose responses are taken
 *   here, and the answers to the peer's, whose requests are taken here too;
 * - werift's RTCP report loops start only from RTP its pipeline sent, so the path sends the
 *   leg's sender and receiver reports itself (rtcp-reports.ts); with AES-CM their SRTCP is
 *   srtp.ts's and the peer's SRTCP is taken here too (werift's RTCP path cost ~100–600 µs a
 *   report each way, run cold; paired windows at 100 calls in the media bench: ~1.5 µs an RTP
 *   packet less this way, 25 of 40 pairs cheaper), with AEAD-GCM werift's transport carries them.
 * It reaches into werift's internals, so every field is checked when the path is attached;
 * anything unexpected (another werift shape, a non-UDP pair, a hostname address) leaves the
 * leg on werift's ordinary pipeline, which is correct, only slower.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { RemoteInfo, Socket } from 'node:dgram';
import { RtpHeader } from 'werift';
import { SrtcpReceiver, SrtcpSender, SrtpReceiver, SrtpSender, supportedProfile, supportedRtcpProfile, type SrtpSessionKeys } from './srtp';
import { ConsentFreshness, type ConsentTiming } from './consent';
import { readSenderReports, RtcpReports } from './rtcp-reports';

type Key = Buffer | KeyObject;
/** The fields of werift's SRTP ciphers (AES-CM and AES-GCM) that hold keys. */
const KEY_FIELDS = ['srtpSessionKey', 'srtcpSessionKey', 'srtpSessionAuthTag', 'srtcpSessionAuthTag'] as const;

/** An SRTP context of werift: the session keys it derived, and its cipher's. */
interface SrtpContextLike {
  profile?: number;
  srtpSessionKey?: unknown;
  srtpSessionSalt?: unknown;
  srtpSessionAuthTag?: unknown;
  srtcpSessionKey?: unknown;
  srtcpSessionSalt?: unknown;
  srtcpSessionAuthTag?: unknown;
  /** werift's SRTCP index state of an SSRC (made on first use), which its own RTCP moves on. */
  getSrtcpSsrcState?(ssrc: number): unknown;
  cipher?: Partial<Record<(typeof KEY_FIELDS)[number], Key>>;
}

/** An SRTP or SRTCP session of werift, as far as this file uses it. */
export interface SrtpSessionLike {
  localContext?: SrtpContextLike;
  remoteContext?: SrtpContextLike;
}

/** The session keys werift derived for one direction, if they are as srtp.ts expects. */
function sessionKeys(context: SrtpContextLike | undefined): SrtpSessionKeys | null {
  const { profile, srtpSessionKey: key, srtpSessionSalt: salt, srtpSessionAuthTag: authKey } = context ?? {};
  return checkedKeys(profile, key, salt, authKey);
}

/** The SRTCP session keys werift derived for one direction (AES-CM only: srtp.ts's SRTCP), if as expected. */
function rtcpSessionKeys(context: SrtpContextLike | undefined): SrtpSessionKeys | null {
  const { profile, srtcpSessionKey: key, srtcpSessionSalt: salt, srtcpSessionAuthTag: authKey } = context ?? {};
  if (typeof profile !== 'number' || !supportedRtcpProfile(profile) || authKey === undefined) return null;
  return checkedKeys(profile, key, salt, authKey);
}

function checkedKeys(profile: unknown, key: unknown, salt: unknown, authKey: unknown): SrtpSessionKeys | null {
  if (typeof profile !== 'number' || !supportedProfile(profile) || !Buffer.isBuffer(key) || key.length !== 16 || !Buffer.isBuffer(salt) || salt.length !== 14) return null;
  if (authKey !== undefined && !(Buffer.isBuffer(authKey) && authKey.length === 20)) return null;
  return { profile, key, salt, ...(authKey ? { authKey } : {}) };
}

/** werift's SRTCP index state of `ssrc` in `context`, when it is as expected (a number kept in an object). */
function weriftRtcpIndex(context: SrtpContextLike | undefined, ssrc: number): { srtcpIndex: number } | null {
  if (typeof context?.getSrtcpSsrcState !== 'function') return null;
  const state = context.getSrtcpSsrcState(ssrc) as { srtcpIndex?: unknown } | undefined;
  return typeof state?.srtcpIndex === 'number' ? (state as { srtcpIndex: number }) : null;
}

/**
 * Replaces a werift SRTP/SRTCP session's Buffer keys by `KeyObject`s (same bytes), so each
 * packet's cipher and HMAC skip the key import. Returns how many keys it converted.
 */
export function useKeyObjects(session: SrtpSessionLike | undefined): number {
  let converted = 0;
  for (const context of [session?.localContext, session?.remoteContext]) {
    const cipher = context?.cipher;
    if (!cipher) continue;
    for (const field of KEY_FIELDS) {
      const key = cipher[field];
      if (Buffer.isBuffer(key)) {
        cipher[field] = createSecretKey(key);
        converted++;
      }
    }
  }
  return converted;
}

/** What of werift's DTLS transport the fast path uses (checked at attach). */
interface DtlsTransportLike {
  state: string;
  srtp?: SrtpSessionLike & { encrypt(payload: Buffer, header: RtpHeader): Buffer; decrypt(packet: Buffer): Buffer };
  srtcp?: SrtpSessionLike;
  /** werift's: serialises RTCP packets, protects them (SRTCP) and sends them on the nominated pair. */
  sendRtcp?: (packets: ReturnType<RtcpReports['report']>) => Promise<unknown>;
  /** werift's: every RTCP packet received, parsed. */
  onRtcp?: { subscribe(listener: (rtcp: unknown) => void): { unSubscribe(): void } };
  iceTransport?: { connection?: IceConnectionLike };
}
interface IceConnectionLike {
  nominated?: { protocol?: { transport?: UdpTransportLike }; remoteAddr?: [string, number] };
  /** Every local candidate's socket: a peer may send to any of them, not only the one our nominated pair uses. */
  protocols?: Array<{ transport?: UdpTransportLike }>;
  canSendApplicationData?: () => boolean;
}
interface UdpTransportLike {
  socket?: Socket;
  /** Set by werift's transport, and the mux's, once its socket is closed. */
  closed?: boolean;
  /** A leg's share of the sandbox's one media socket (udp-mux.ts): sees each datagram first. */
  intercept?: ((data: Buffer, rinfo: RemoteInfo) => boolean) | null;
}
type MessageListener = (data: Buffer, rinfo: RemoteInfo) => void;

/** A fast path's RTCP reports: the CNAME its SDES names (default one of its own) and the interval (default 5 s). */
export interface RtcpOptions {
  cname?: string;
  intervalMs?: number;
  /** The leg's reports so far, to go on with (a leg attaches a path again after a reconnect): its counts must not start again. */
  reports?: RtcpReports;
}

/** RFC 5761: RTCP packet types 192–223 in the second byte; RTP otherwise. */
export function isSrtp(data: Buffer): boolean {
  return data.length >= 12 && (data[0]! & 0xc0) === 0x80 && !(data[1]! >= 192 && data[1]! <= 223);
}

/** SRTCP (RFC 5761's RTCP packet types), at least a header, E|index and a tag long. */
function isSrtcp(data: Buffer): boolean {
  return data.length >= 22 && (data[0]! & 0xc0) === 0x80 && data[1]! >= 192 && data[1]! <= 223;
}

/** Payload of a decrypted RTP packet `packet[0, length)` (after CSRCs, header extension, before padding), or null if malformed. */
function rtpPayload(packet: Buffer, length: number): Buffer | null {
  let offset = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < offset + 4) return null;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  const padding = packet[0]! & 0x20 ? packet[length - 1]! : 0;
  const end = length - padding;
  return end >= offset ? packet.subarray(offset, end) : null;
}

/** G.711 RTP of one leg straight between its UDP socket and werift's SRTP session. */
export class RtpFastPath {
  private readonly header: RtpHeader;
  private readonly dtls: DtlsTransportLike & Required<Pick<DtlsTransportLike, 'srtp'>>;
  private readonly connection: Required<IceConnectionLike>;
  private readonly pair: NonNullable<IceConnectionLike['nominated']>;
  private readonly udp: UdpTransportLike & { socket: Socket };
  /** Each hooked socket, werift's 'message' listener on it and the one that took its place. */
  private readonly hooks: Array<{ socket: Socket; werift: MessageListener; ours: MessageListener }> = [];
  /** Each transport of the shared media socket this path intercepts on (udp-mux.ts). */
  private readonly intercepted: Array<{ transport: UdpTransportLike; ours: (data: Buffer, rinfo: RemoteInfo) => boolean }> = [];
  private readonly host: string;
  private readonly port: number;
  /** Hand-written SRTP (srtp.ts) when werift's session keys are as expected; werift's `SrtpSession` otherwise. */
  private readonly sender: SrtpSender | null;
  private readonly receiver: SrtpReceiver | null;
  /** RFC 7675 consent checks of the nominated pair, in place of werift's (consent.ts); null: werift's. */
  private readonly consent: ConsentFreshness | null;
  /** RTCP sender and receiver reports of the leg (rtcp-reports.ts); null when off or werift's transport cannot send them. */
  private readonly reports: RtcpReports | null;
  private readonly sendReport: (() => void) | null;
  private readonly stopPeerRtcp: (() => void) | null;
  /** The peer's SRTCP, taken and read here (srtp.ts) when the reports are sent by srtp.ts's SRTCP; null: werift's. */
  private readonly rtcpReceiver: SrtcpReceiver | null;
  private detached = false;

  /**
   * Attaches to a connected DTLS transport, or returns null (and changes nothing) when werift's
   * objects are not as expected. `onPayload` gets every PCMU payload received and the decrypted
   * packet it is in, for its header (both valid only during the call; after the RTP packet the
   * buffer may still hold the SRTP tag: read the header, not the length). `consent`: the
   * timing of the path's own consent checks (consent.ts), or false to leave them to werift.
   * `reports`: the leg's RTCP reports (rtcp-reports.ts: its CNAME and interval), or false for none.
   */
  static attach(
    transport: unknown,
    ssrc: number,
    onPayload: (payload: Buffer, packet: Buffer) => void,
    consent: ConsentTiming | false = {},
    reports: RtcpOptions | false = {},
  ): RtpFastPath | null {
    const dtls = transport as DtlsTransportLike;
    const connection = dtls?.iceTransport?.connection;
    const pair = connection?.nominated;
    const udp = pair?.protocol?.transport;
    const addr = pair?.remoteAddr;
    if (
      dtls?.state !== 'connected' ||
      typeof dtls.srtp?.encrypt !== 'function' ||
      typeof dtls.srtp.decrypt !== 'function' ||
      typeof connection?.canSendApplicationData !== 'function' ||
      !pair ||
      !udp?.socket ||
      typeof udp.socket.send !== 'function' ||
      !Array.isArray(connection.protocols) ||
      !Array.isArray(addr) ||
      !isIP(addr[0]) ||
      typeof addr[1] !== 'number'
    ) {
      return null;
    }
    return new RtpFastPath(dtls as RtpFastPath['dtls'], connection as Required<IceConnectionLike>, pair, udp as RtpFastPath['udp'], ssrc, onPayload, consent, reports);
  }

  private constructor(
    dtls: RtpFastPath['dtls'],
    connection: Required<IceConnectionLike>,
    pair: RtpFastPath['pair'],
    udp: RtpFastPath['udp'],
    ssrc: number,
    private readonly onPayload: (payload: Buffer, packet: Buffer) => void,
    consent: ConsentTiming | false,
    reports: RtcpOptions | false,
  ) {
    this.dtls = dtls;
    this.connection = connection;
    this.pair = pair;
    this.udp = udp;
    this.host = pair.remoteAddr![0];
    this.port = pair.remoteAddr![1];
    // One header object for the leg's life: werift's encrypt serialises it per packet.
    this.header = new RtpHeader({ payloadType: 0, ssrc, sequenceNumber: 0, timestamp: 0, marker: false });
    const local = sessionKeys(dtls.srtp.localContext);
    const remote = sessionKeys(dtls.srtp.remoteContext);
    this.sender = local && remote ? new SrtpSender(local, ssrc) : null;
    this.receiver = local && remote ? new SrtpReceiver(remote) : null;
    useKeyObjects(dtls.srtp);
    useKeyObjects(dtls.srtcp);
    // Our listener takes werift's place on each UDP socket (werift's wraps every datagram's
    // address in a new array before its STUN parse): SRTP is ours, the rest goes to werift's.
    for (const protocol of connection.protocols) {
      const transport = protocol.transport;
      // A leg on the shared media socket: the mux hands it this leg's datagrams, SRTP comes here first.
      if (transport && 'intercept' in transport) {
        const ours = (data: Buffer, rinfo: RemoteInfo) => {
          if (this.detached) return false;
          if (!isSrtp(data)) return this.takeRtcp(data) || (this.consent !== null && this.consent.take(data, rinfo));
          this.receive(data);
          return true;
        };
        transport.intercept = ours;
        this.intercepted.push({ transport, ours });
        continue;
      }
      const socket = transport?.socket;
      if (!socket || typeof socket.listeners !== 'function') continue; // no UDP socket of Node's: nothing to take over
      const listeners = socket.listeners('message');
      // Not werift's usual UDP socket (a TCP candidate's has no 'message' listener): its pipeline receives, correct if slower.
      if (listeners.length !== 1) continue;
      const werift = listeners[0] as MessageListener;
      const ours: MessageListener = (data, rinfo) => {
        if (this.detached) return werift(data, rinfo);
        if (!isSrtp(data)) {
          if (!this.takeRtcp(data) && (this.consent === null || !this.consent.take(data, rinfo))) werift(data, rinfo);
          return;
        }
        this.receive(data);
      };
      socket.removeListener('message', werift);
      socket.on('message', ours);
      this.hooks.push({ socket, werift, ours });
    }
    // Consent checks go out on the nominated pair's socket, as werift's do; their responses come back through the hooks above.
    this.consent =
      consent === false
        ? null
        : ConsentFreshness.attach(
            connection,
            (datagram) => {
              if (!this.udp.closed) this.udp.socket.send(datagram, this.port, this.host);
            },
            consent,
          );
    // RTCP: werift's packet classes (rtcp-reports.ts), protected by srtp.ts's SRTCP and sent on
    // the pair's socket, the peer's taken here too (AES-CM, werift's keys and SRTCP index state as
    // expected); otherwise through werift's transport (its SRTCP, its parser); without either, no reports.
    const { sendRtcp, onRtcp } = dtls;
    const rtcpLocal = rtcpSessionKeys(dtls.srtcp?.localContext);
    const rtcpRemote = rtcpSessionKeys(dtls.srtcp?.remoteContext);
    const rtcpIndex = weriftRtcpIndex(dtls.srtcp?.localContext, ssrc);
    const handWrittenRtcp = rtcpLocal !== null && rtcpRemote !== null && rtcpIndex !== null;
    const weriftRtcp = typeof sendRtcp === 'function' && typeof onRtcp?.subscribe === 'function';
    if (reports !== false && (handWrittenRtcp || weriftRtcp)) {
      // Eight hex digits, so the CNAME's length, and werift's SDES chunk padding with it, never changes.
      const leg = reports.reports ?? new RtcpReports(ssrc, reports.cname ?? `sandbox-${ssrc.toString(16).padStart(8, '0')}`, reports.intervalMs);
      this.reports = leg;
      let transmit: (compound: ReturnType<RtcpReports['report']>) => void;
      if (handWrittenRtcp) {
        const rtcpSender = new SrtcpSender(rtcpLocal, rtcpIndex);
        this.rtcpReceiver = new SrtcpReceiver(rtcpRemote);
        transmit = (compound) => this.udp.socket.send(rtcpSender.protect(Buffer.concat(compound.map((rtcp) => rtcp.serialize()))), this.port, this.host);
      } else {
        this.rtcpReceiver = null;
        transmit = (compound) => void Promise.resolve(sendRtcp!.call(dtls, compound)).catch(() => undefined);
      }
      // It runs inside the media clock's tick: nothing it does may throw there, whatever werift returns.
      this.sendReport = () => {
        try {
          transmit(leg.report());
        } catch {
          // A report lost; the next one carries the same counts.
        }
      };
      // The peer's SRs as werift parses them: all of them on werift's transport; with srtp.ts's
      // SRTCP, any that arrive on a socket the path did not take over (not werift's usual UDP socket).
      const subscription = typeof onRtcp?.subscribe === 'function' ? onRtcp.subscribe((rtcp) => leg.peerRtcp(rtcp as Parameters<RtcpReports['peerRtcp']>[0])) : null;
      this.stopPeerRtcp = subscription ? () => subscription.unSubscribe() : null;
    } else {
      this.reports = null;
      this.sendReport = null;
      this.stopPeerRtcp = null;
      this.rtcpReceiver = null;
    }
  }

  /**
   * Takes the peer's SRTCP when this path reads it (srtp.ts): authenticated, decrypted, its
   * sender reports given to the leg's reports (LSR), the rest dropped (werift's RTCP listeners
   * keep statistics and answer NACKs for its own pipeline's RTP, which this leg does not send;
   * werift's receiver report loop, if it ever started, then echoes no LSR, consistently with
   * its DLSR).
   * False: not SRTCP, or not this path's to read (werift's then).
   */
  private takeRtcp(data: Buffer): boolean {
    const receiver = this.rtcpReceiver;
    if (receiver === null || !isSrtcp(data)) return false;
    const end = receiver.unprotect(data);
    // Failed authentication or a replay: dropped, as werift drops it.
    if (end >= 0) readSenderReports(data, end, this.peerSenderReport);
    return true;
  }

  private readonly peerSenderReport = (ssrc: number, compactNtpTime: number): void => this.reports?.peerSenderReport(ssrc, compactNtpTime);

  /** Sends one PCMU payload; false when werift's path must send it instead (pair changed, consent lost, DTLS closed). */
  send(payload: Buffer, sequenceNumber: number, timestamp: number): boolean {
    if (this.detached) return false;
    if (this.connection.nominated !== this.pair || this.dtls.state !== 'connected') {
      // werift's pipeline takes the stream over for good (the endpoint attaches a new path on
      // its next 'connected'): hand the rollover counters back once, never again every frame,
      // which would overwrite werift's own counters with ours, stale from its next wrap on.
      this.detach();
      return false;
    }
    // RFC 7675, as werift: drop, do not send; and nothing to send on once the socket is closed.
    if (!this.connection.canSendApplicationData() || this.udp.closed) return true;
    let packet: Buffer;
    if (this.sender) packet = this.sender.protect(payload, sequenceNumber, timestamp);
    else {
      const header = this.header;
      header.sequenceNumber = sequenceNumber;
      header.timestamp = timestamp;
      packet = this.dtls.srtp.encrypt(payload, header);
    }
    this.udp.socket.send(packet, this.port, this.host);
    // A report rides with the leg's RTP (rtcp-reports.ts: no timer of its own).
    if (this.reports?.sent(payload.length, timestamp)) this.sendReport!();
    return true;
  }

  /** Gives the socket back to werift alone. */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.handBack();
    // werift's own report loops take over with its pipeline (they start from the RTP it sends,
    // and run for the leg's life: the endpoint attaches later paths without reports then).
    this.stopPeerRtcp?.();
    // werift's consent cycle again, as its pipeline takes the stream (none once the connection is down).
    this.consent?.stop(true);
    // Our listeners pass everything to werift once detached, so restoring is tidiness, not correctness.
    for (const { socket, werift, ours } of this.hooks) {
      socket.removeListener('message', ours);
      socket.on('message', werift);
    }
    // Only our own: a path attached since (a new 'connected') has put its own there.
    for (const { transport, ours } of this.intercepted) if (transport.intercept === ours) transport.intercept = null;
  }

  /**
   * Before werift's own pipeline takes a stream over, gives its SRTP contexts the rollover
   * counters srtp.ts kept (werift's would still be at 0 after a sequence number wrap).
   */
  private handBack(): void {
    const states = (context: unknown) => (context as { srtpSSRCStates?: Record<number, unknown> } | undefined)?.srtpSSRCStates;
    const local = states(this.dtls.srtp.localContext);
    const remote = states(this.dtls.srtp.remoteContext);
    if (local && this.sender) {
      const { ssrc, roc, lastSeq } = this.sender.rollover();
      if (lastSeq >= 0) local[ssrc] = { ssrc, rolloverCounter: roc, lastSequenceNumber: lastSeq, rolloverHasProcessed: true };
    }
    if (remote && this.receiver) {
      for (const { ssrc, roc, lastSeq } of this.receiver.rollovers()) {
        remote[ssrc] = { ssrc, rolloverCounter: roc, lastSequenceNumber: lastSeq, rolloverHasProcessed: true };
      }
    }
  }

  /** Whether packets are protected by srtp.ts (true) or werift's `SrtpSession` (false). */
  get handWrittenSrtp(): boolean {
    return this.sender !== null;
  }

  private receive(data: Buffer): void {
    if (this.receiver) {
      const end = this.receiver.unprotect(data);
      if (end < 0) return; // failed authentication or a replay: dropped
      // Every authenticated packet of the stream counts as received, whatever its payload type.
      this.reports?.receivedPacket(data.readUInt32BE(8), data.readUInt16BE(2), data.readUInt32BE(4));
      if ((data[1]! & 0x7f) !== 0) return; // not PCMU: not played
      // The datagram is handed on as the packet, not cut to `end`: one subarray a packet fewer.
      const payload = rtpPayload(data, end);
      if (payload) this.onPayload(payload, data);
      return;
    }
    let packet: Buffer;
    try {
      packet = this.dtls.srtp.decrypt(data);
    } catch {
      return; // failed authentication or replay: dropped, as werift drops it
    }
    this.reports?.receivedPacket(packet.readUInt32BE(8), packet.readUInt16BE(2), packet.readUInt32BE(4));
    if ((packet[1]! & 0x7f) !== 0) return; // PCMU only, as the offer
    const payload = rtpPayload(packet, packet.length);
    if (payload) this.onPayload(payload, packet);
  }
}
