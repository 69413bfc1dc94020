/**
 * RTCP sender and receiver reports of a leg on the RTP fast path (srtp-path.ts), as a media
 * server sends them to the browser (RFC 3550 §6.4).
 *
 * werift's own report loops start only from RTP that went through its pipeline, so a fast-path
 * leg sent none: the browser's `getStats()` had no `remote-inbound-rtp` (the round trip, loss
 * and jitter the platform saw of the agent's audio), which Switchboard's call quality reads
 * first, and no `remote-outbound-rtp`. Here the path tells `RtcpReports` what it sends and
 * receives, and every ~5 s (WebRTC's interval for audio, randomised over 0.5–1.5 of it as
 * RFC 3550 §6.3.1 asks; the first after half of that) the path sends a compound SR, with a
 * report block on the peer's stream while it is heard, and an SDES CNAME, built with werift's
 * RTCP classes (srtp-path.ts protects and sends them: srtp.ts's SRTCP with AES-CM, werift's
 * transport with AEAD-GCM). The peer's own SRs (`readSenderReports` reads them from its
 * decrypted SRTCP, or werift's parser hands them on) give each report block its LSR and DLSR,
 * from which the browser works out the round trip.
 *
 * The interval is counted in the leg's own packets (one a 20 ms frame), not with a timer a leg:
 * a report goes out right after an RTP packet, while the process is awake for the media clock's
 * tick, instead of waking it ~20 more times a second at 100 calls. Every leg in a conversation
 * sends a frame each tick (silence when there is nothing to hear), so its reports keep their
 * interval; a leg that sends nothing reports nothing.
 *
 * The per-packet part is a few integer operations each way and one clock read a packet
 * received; the statistics follow RFC 3550 Appendix A.1 (sequence numbers), A.3 (loss) and
 * A.8 (jitter). Cost at 100 calls in the media bench (test/bench/media-capacity.ts): about 3 µs
 * a packet, read with a switch added for the measurement only (paired windows, reports and
 * statistics on and off in the sandbox and the agents; 12 of 16 pairs cheaper off, so a rough
 * figure), about half werift's RTCP (serialising, SRTCP, parsing) and half the statistics here
 * in a CPU profile, when werift's transport carried the reports; srtp.ts's SRTCP took ~1.5 µs
 * of it off (srtp-path.ts).
 */
import {
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  SourceDescriptionChunk,
  SourceDescriptionItem,
} from 'werift';
import { FRAME_SAMPLES } from './g711';

/** WebRTC's RTCP interval for audio, ms. */
export const RTCP_INTERVAL_MS = 5000;
/** The frame period the leg sends at, ms: the interval is counted in packets of it. */
const FRAME_MS = 20;
/** G.711's RTP clock, units per ms: a frame's samples over its length. */
const RTP_UNITS_PER_MS = FRAME_SAMPLES / FRAME_MS;
/** RFC 3550 A.1: a jump forward of up to this many sequence numbers is a loss, not a restart. */
const MAX_DROPOUT = 3000;
/** RFC 3550 A.1: a packet this far behind the highest is late (or a duplicate), not a restart. */
const MAX_MISORDER = 100;
/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
/** RTCP SDES item type of a CNAME. */
const SDES_CNAME = 1;

/** What an RTCP packet of werift's, as `onRtcp` hands them on, is as far as this file reads it. */
interface RtcpLike {
  type?: number;
  ssrc?: number;
  senderInfo?: { ntpTimestamp?: bigint };
}

/**
 * The 64-bit NTP timestamp of a wall-clock time (ms since 1970): seconds since 1900, and the
 * fraction of a second in units of 2^-32 s. (werift's `ntpTime` puts the decimal digits of the
 * milliseconds in the fraction field, so it is not used.)
 */
export function ntpTimestamp(unixMs: number): bigint {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - seconds * 1000) / 1000) * 2 ** 32);
  // 32 bits of seconds: from February 2036 they wrap (NTP era 1), as RFC 5905 counts them.
  return (BigInt((seconds + NTP_UNIX_OFFSET_S) % 2 ** 32) << 32n) | BigInt(fraction);
}

/** RFC 3550 §4: the middle 32 bits of an NTP timestamp (what LSR echoes). */
export function compactNtp(ntp: bigint): number {
  return Number((ntp >> 16n) & 0xffffffffn);
}

/** RTCP packet type of a sender report. */
const RTCP_SR = 200;

/**
 * Walks a decrypted RTCP compound packet `packet[0, end)` (RFC 3550 §6.1) and calls `onSr` with
 * each sender report's SSRC and the middle 32 bits of its NTP timestamp, the only part of the
 * peer's RTCP a report needs (LSR). Stops at the first malformed header: what came before it
 * was well formed. Written here, not werift's `RtcpPacketConverter`, which parses every packet
 * of the compound into objects (bit by bit, through iterators) for the one field read.
 */
export function readSenderReports(packet: Uint8Array, end: number, onSr: (ssrc: number, compactNtpTime: number) => void): void {
  const view = new DataView(packet.buffer, packet.byteOffset, end);
  let at = 0;
  while (at + 4 <= end) {
    if (packet[at]! >> 6 !== 2) return;
    const length = (view.getUint16(at + 2) + 1) * 4;
    if (at + length > end) return;
    // An SR: header, sender SSRC, NTP timestamp (64 bits), RTP timestamp, counts: at least 28 bytes.
    if (packet[at + 1] === RTCP_SR && length >= 28) {
      onSr(view.getUint32(at + 4), ((view.getUint16(at + 10) << 16) | view.getUint16(at + 12)) >>> 0);
    }
    at += length;
  }
}

/** The counts and estimates one leg's RTCP reports carry, kept as its packets pass. */
export class RtcpReports {
  // What was sent (SR sender info).
  private packetsSent = 0;
  private octetsSent = 0;
  private lastTimestamp = 0;
  private sentSinceReport = false;
  // What was received from the peer's stream (report block).
  private peerSsrc = -1;
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private received = 0;
  private badSeq = -1;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit = 0;
  private jitter = 0;
  // The peer's last SR: whose, its compact NTP time and when it arrived (ms, on `now`).
  private lastSrSsrc = -1;
  private lastSr = 0;
  private lastSrAt = 0;
  /** The peer's sender reports taken so far (`peerSenderReport`): for diagnostics and tests. */
  senderReportsReceived = 0;

  /** Packets to send before the next report, and the mean interval in packets. */
  private untilReport: number;
  private readonly intervalPackets: number;

  /**
   * `intervalMs`: the mean time between reports. `now`: the clock, ms (default
   * `performance.now()`); wall-clock time for the SR's NTP timestamp is `performance.timeOrigin`
   * plus it, so both read one time base.
   */
  constructor(
    private readonly ssrc: number,
    private readonly cname: string,
    intervalMs = RTCP_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.intervalPackets = Math.max(1, intervalMs / FRAME_MS);
    this.untilReport = this.nextInterval(0.5);
  }

  /** RFC 3550 §6.3.1's randomisation: 0.5–1.5 of the interval (scaled), at least one packet. */
  private nextInterval(scale: number): number {
    return Math.max(1, Math.round(this.intervalPackets * scale * (0.5 + Math.random())));
  }

  /**
   * One RTP packet sent: its payload's length and RTP timestamp. Returns true when a report is
   * due now (send `report()`). No clock is read: the SR goes out right after this packet, so the
   * packet's RTP timestamp is the RTP time of the SR's NTP time.
   */
  sent(payloadBytes: number, timestamp: number): boolean {
    this.packetsSent++;
    this.octetsSent += payloadBytes;
    this.lastTimestamp = timestamp;
    this.sentSinceReport = true;
    if (--this.untilReport > 0) return false;
    this.untilReport = this.nextInterval(1);
    return true;
  }

  /** One authenticated RTP packet received from the peer: its SSRC, sequence number and RTP timestamp. */
  receivedPacket(ssrc: number, seq: number, timestamp: number): void {
    const arrival = this.now();
    if (ssrc !== this.peerSsrc) {
      this.restart(ssrc, seq);
    } else {
      const ahead = (seq - this.maxSeq) & 0xffff;
      if (ahead < MAX_DROPOUT) {
        // In order, with or without a gap: a wrap of the sequence number counts a cycle.
        if (seq < this.maxSeq) this.cycles += 0x10000;
        this.maxSeq = seq;
      } else if (ahead <= 0x10000 - MAX_MISORDER) {
        // A very large jump: the peer restarted its sequence. Two in a row make it so (A.1).
        if (seq !== this.badSeq) {
          this.badSeq = (seq + 1) & 0xffff;
          return;
        }
        this.restart(ssrc, seq);
      }
      // Otherwise late or a duplicate: counted as received, as A.1 does.
    }
    this.received++;
    // A.8: interarrival jitter in RTP units, from the change of each packet's transit time.
    const transit = (Math.round(arrival * RTP_UNITS_PER_MS) - timestamp) | 0;
    if (this.received > 1) {
      const d = Math.abs((transit - this.transit) | 0);
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
  }

  /**
   * An RTCP packet from the peer (werift's parse): a sender report of the stream received is
   * kept for LSR/DLSR. Before the stream's first packet any SR is kept (the block checks whose
   * it was); after, another SSRC's is ignored.
   */
  peerRtcp(rtcp: RtcpLike): void {
    if (rtcp.type !== RtcpSrPacket.type || typeof rtcp.senderInfo?.ntpTimestamp !== 'bigint' || typeof rtcp.ssrc !== 'number') return;
    this.peerSenderReport(rtcp.ssrc, compactNtp(rtcp.senderInfo.ntpTimestamp));
  }

  /** A sender report from the peer, as `peerRtcp`: its sender's SSRC and its NTP time's middle 32 bits (`readSenderReports`). */
  peerSenderReport(ssrc: number, compactNtpTime: number): void {
    if (this.peerSsrc !== -1 && ssrc !== this.peerSsrc) return;
    this.lastSrSsrc = ssrc;
    this.lastSr = compactNtpTime >>> 0;
    this.lastSrAt = this.now();
    this.senderReportsReceived++;
  }

  /** The last of the peer's sender reports taken: its NTP time's middle 32 bits (what LSR echoes), 0 before one. */
  get lastPeerSr(): number {
    return this.lastSr;
  }

  /**
   * The compound packet to send now: an SR when RTP was sent since the last report (else an RR;
   * the fast path reports right after a packet, so always an SR there), with a report block on
   * the peer's stream when it was heard since the last report (RFC 3550 §6.4), then the SDES CNAME.
   */
  report(): Array<RtcpSrPacket | RtcpRrPacket | RtcpSourceDescriptionPacket> {
    const heard = this.peerSsrc !== -1 && this.received !== this.receivedPrior;
    const reports = heard ? [this.reportBlock()] : [];
    const now = this.now();
    const first =
      this.sentSinceReport
        ? new RtcpSrPacket({
            ssrc: this.ssrc,
            senderInfo: new RtcpSenderInfo({
              ntpTimestamp: ntpTimestamp(performance.timeOrigin + now),
              // The RTP time that corresponds to that NTP time: the packet just sent's (see `sent`;
              // in a clock's catch-up burst that packet's time runs up to 200 ms behind now).
              rtpTimestamp: this.lastTimestamp >>> 0,
              packetCount: this.packetsSent >>> 0,
              octetCount: this.octetsSent >>> 0,
            }),
            reports,
          })
        : new RtcpRrPacket({ ssrc: this.ssrc, reports });
    this.sentSinceReport = false;
    const sdes = new RtcpSourceDescriptionPacket({
      chunks: [new SourceDescriptionChunk({ source: this.ssrc, items: [new SourceDescriptionItem({ type: SDES_CNAME, text: this.cname })] })],
    });
    return [first, sdes];
  }

  /** RFC 3550 §6.4.1's report block of the peer's stream (A.3 for the loss). */
  private reportBlock(): RtcpReceiverInfo {
    const extendedMax = this.cycles + this.maxSeq;
    const expected = extendedMax - this.baseSeq + 1;
    const lost = expected - this.received;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    // No SR of this stream yet: LSR and DLSR are 0 (§6.4.1).
    const srKnown = this.lastSrSsrc === this.peerSsrc;
    const sinceSr = srKnown ? Math.round(((this.now() - this.lastSrAt) / 1000) * 65536) : 0;
    return new RtcpReceiverInfo({
      ssrc: this.peerSsrc,
      fractionLost: Math.min(255, fractionLost),
      // 24-bit two's complement on the wire (duplicates can make it negative); werift writes it unsigned.
      packetsLost: Math.max(-0x800000, Math.min(0x7fffff, lost)) & 0xffffff,
      highestSequence: extendedMax >>> 0,
      jitter: Math.floor(this.jitter) >>> 0,
      lsr: srKnown ? this.lastSr : 0,
      dlsr: sinceSr >>> 0,
    });
  }

  /** A new stream from the peer (a new SSRC, or a restart of its sequence): counting starts again. */
  private restart(ssrc: number, seq: number): void {
    this.peerSsrc = ssrc;
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.cycles = 0;
    this.received = 0;
    this.badSeq = -1;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.jitter = 0;
  }
}
