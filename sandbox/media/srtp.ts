/**
 * SRTP for the RTP fast path (srtp-path.ts), written by hand for its per-packet cost.
 *
 * Why not werift's `SrtpSession` here (profile of test/bench/media-capacity.ts, see the bench's
 * header): for each packet werift serialises the header object, looks the SSRC state up by key,
 * builds the IV/counter and the ROC bytes in fresh Buffers and joins header, payload and tag
 * with `Buffer.concat`; receiving, it deserialises the whole header into an object (extensions
 * included), copies the SSRC state with an object spread, and joins again. Here:
 * - the RTP header (V=2, PCMU, no CSRC or extension) is written straight into the packet;
 * - AES-CM's keystream comes from one AES-128-ECB cipher per direction made once and fed the
 *   counter blocks (CTR mode is ECB of the counters), instead of a `createCipheriv` per packet,
 *   and for `KEYSTREAM_BATCH` packets at once: the next packets' indexes are known (a sender's
 *   own sequence numbers; a receiver's peer counting up), so one native call and one Buffer
 *   serve 32 packets; a packet outside the batch starts a new one at its index;
 * - HMAC-SHA1 is computed as RFC 2104 defines it, H(K⊕opad ‖ H(K⊕ipad ‖ m)), with two one-shot
 *   `crypto.hash` calls over preallocated buffers that hold K⊕ipad and K⊕opad: `createHmac` makes
 *   an object and an OpenSSL context per packet (~5.7 µs against ~0.8 µs here, Node 24);
 *   received packets are authenticated (tag compared without an early exit) and decrypted in place;
 * - AES-GCM needs a cipher per packet (node:crypto has no re-keyed IV), with a `KeyObject`
 *   key and the IV written into one reused buffer;
 * - received packets are checked against a replay window (RFC 3711 §3.3.2), which werift's
 *   session does not do.
 * Keys are the session keys werift's DTLS transport derived (its `SrtpSession` and
 * `SrtcpSession` contexts), so the key derivation stays werift's.
 *
 * SRTCP (RFC 3711 §3.4) is here too, for AES-CM: the fast path's RTCP reports, one each way every
 * ~5 s a leg (rtcp-reports.ts). Why not werift's `SrtcpSession` and its DTLS transport's RTCP
 * path: at 100 calls in the media bench, sending and receiving the reports through werift
 * (serialise, a cipher and an HMAC object a packet, ICE's async send; on receipt werift's STUN
 * parse attempt, the DTLS transport's demultiplexing, its RTCP parser and every RTCP listener
 * of the peer connection) cost ~100–600 µs a report, run cold every few seconds. Here a report
 * is a keystream slice and two one-shot hashes each way, as an RTP packet is: ~1.5 µs an RTP
 * packet less in paired windows (srtp-path.ts). The AEAD profile stays werift's.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hash, type Cipheriv, type KeyObject } from 'node:crypto';

/** werift's numbers for the two SRTP protection profiles WebRTC uses. */
export const AES_CM_128_HMAC_SHA1_80 = 1;
export const AEAD_AES_128_GCM = 7;

/** The session keys of one direction, as werift's SRTP context derived them. */
export interface SrtpSessionKeys {
  profile: number;
  /** 16 bytes. */
  key: Buffer;
  /** 14 bytes (GCM uses the first 12). */
  salt: Buffer;
  /** 20 bytes; AES-CM only. */
  authKey?: Buffer;
}

const RTP_HEADER = 12;
const CM_TAG = 10;
const GCM_TAG = 16;
/** Packets a receiver remembers for replay detection (RFC 3711's minimum is 64). */
const REPLAY_WINDOW = 128;
/** AES-CM packets whose keystream one ECB call makes (32 G.711 packets: 5 KiB, 0.64 s of audio). */
export const KEYSTREAM_BATCH = 32;
const SHA1_BLOCK = 64;

/** Whether a profile is one this module implements. */
export function supportedProfile(profile: number): boolean {
  return profile === AES_CM_128_HMAC_SHA1_80 || profile === AEAD_AES_128_GCM;
}

/** Common per-direction state: keys as KeyObjects, the counter/IV buffers, the ECB cipher. */
abstract class SrtpDirection {
  protected readonly gcm: boolean;
  protected readonly key: KeyObject;
  protected readonly salt: Buffer;
  protected readonly authKey: KeyObject | null;
  /** GCM's 12-byte IV, rewritten per packet. */
  protected readonly iv = Buffer.alloc(12);
  /** AES-CM: one ECB cipher for the direction's life, fed counter blocks. */
  private readonly ecb: Cipheriv | null;
  /** AES-CM: counter blocks of one batch, made again when packets are longer or the SSRC changes. */
  private counters = Buffer.alloc(0);
  /** The SSRC `counters` was made for (its bytes 0–7 hold salt XOR SSRC). */
  private countersSsrc = -1;
  /** AES-CM: keystream of `KEYSTREAM_BATCH` packets from index `batchFirst` of `batchSsrc`, `batchBlocks` blocks each (`keystreamAt`). */
  protected keystream = Buffer.alloc(0);
  private batchSsrc = -1;
  private batchFirst = -1;
  private batchBlocks = 0;
  /** AES-CM: K⊕ipad followed by the message (packet and ROC), grown for longer packets. */
  private inner = Buffer.alloc(0);
  /** AES-CM: `inner` cut to the last message's length (kept while packets keep one length). */
  private innerView = Buffer.alloc(0);
  /** AES-CM: K⊕opad followed by the inner digest. */
  private readonly outer = Buffer.alloc(SHA1_BLOCK + 20);
  readonly tagLength: number;

  constructor(keys: SrtpSessionKeys) {
    if (!supportedProfile(keys.profile)) throw new Error(`SRTP profile ${keys.profile} is not supported`);
    if (keys.key.length !== 16 || keys.salt.length < 12) throw new Error('SRTP session key must be 16 bytes and the salt at least 12');
    this.gcm = keys.profile === AEAD_AES_128_GCM;
    this.key = createSecretKey(keys.key);
    this.salt = Buffer.from(keys.salt);
    this.tagLength = this.gcm ? GCM_TAG : CM_TAG;
    if (this.gcm) {
      this.authKey = null;
      this.ecb = null;
    } else {
      if (!keys.authKey || keys.authKey.length !== 20 || this.salt.length !== 14) throw new Error('AES-CM needs a 14-byte salt and a 20-byte auth key');
      this.authKey = createSecretKey(keys.authKey);
      this.ecb = createCipheriv('aes-128-ecb', this.key, null);
      this.ecb.setAutoPadding(false);
      // RFC 2104: the key (20 bytes, shorter than SHA-1's block) zero-padded to a block and XORed with ipad / opad.
      this.inner = Buffer.alloc(SHA1_BLOCK + 256, 0);
      for (let i = 0; i < SHA1_BLOCK; i++) {
        const k = i < keys.authKey.length ? keys.authKey[i]! : 0;
        this.inner[i] = k ^ 0x36;
        this.outer[i] = k ^ 0x5c;
      }
    }
  }

  /** RFC 7714 §8.1: IV = salt XOR (00 00 | SSRC | ROC | SEQ). */
  protected gcmIv(ssrc: number, roc: number, seq: number): Buffer {
    const iv = this.iv;
    const salt = this.salt;
    iv[0] = salt[0]!;
    iv[1] = salt[1]!;
    iv.writeUInt32BE((ssrc ^ salt.readUInt32BE(2)) >>> 0, 2);
    iv.writeUInt32BE((roc ^ salt.readUInt32BE(6)) >>> 0, 6);
    iv.writeUInt16BE(seq ^ salt.readUInt16BE(10), 10);
    return iv;
  }

  /**
   * RFC 3711 §4.1.1: where in `keystream` AES-CM's keystream for `length` bytes of packet index
   * x = ROC · 2^16 + SEQ of `ssrc` starts, its batch made first when the current one does not
   * hold it. The counter of block i of packet x is (salt · 2^16) XOR (SSRC · 2^64) XOR (x · 2^16) + i.
   */
  protected keystreamAt(length: number, ssrc: number, roc: number, seq: number): number {
    const blocks = Math.ceil(length / 16);
    const index = roc * 0x10000 + seq;
    if (ssrc !== this.batchSsrc || blocks > this.batchBlocks || index < this.batchFirst || index >= this.batchFirst + KEYSTREAM_BATCH) {
      this.fillKeystream(ssrc, index, blocks);
    }
    return (index - this.batchFirst) * this.batchBlocks * 16;
  }

  /**
   * XORs AES-CM's keystream into `data[start, end)` in place (SRTCP's; SRTP's protect and
   * unprotect write this loop in place, see `SrtpSender.protect`).
   */
  protected ctrXor(data: Buffer, start: number, end: number, ssrc: number, roc: number, seq: number): void {
    const length = end - start;
    // No payload, no keystream (and no batch of zero-block slots).
    if (length <= 0) return;
    const at = this.keystreamAt(length, ssrc, roc, seq);
    const keystream = this.keystream;
    for (let i = 0; i < length; i++) data[start + i]! ^= keystream[at + i]!;
  }

  /** Keystream of `KEYSTREAM_BATCH` packets from `first` on, `blocks` blocks each, in one ECB call. */
  private fillKeystream(ssrc: number, first: number, blocks: number): void {
    const bytes = KEYSTREAM_BATCH * blocks * 16;
    const salt = this.salt;
    // Bytes 0–7 of every block (salt XOR SSRC) and 14–15 (the block's number) stay as the last
    // batch of this SSRC and length left them; only bytes 8–13 (salt XOR the packet index) change.
    if (this.counters.length !== bytes || this.countersSsrc !== ssrc) {
      this.counters = Buffer.alloc(bytes);
      this.countersSsrc = ssrc;
      const s0 = salt.readUInt32BE(0);
      const s1 = (salt.readUInt32BE(4) ^ ssrc) >>> 0;
      for (let at = 0; at < bytes; at += 16) {
        this.counters.writeUInt32BE(s0, at);
        this.counters.writeUInt32BE(s1, at + 4);
        const block = (at / 16) % blocks;
        this.counters[at + 14] = block >> 8;
        this.counters[at + 15] = block & 0xff;
      }
    }
    const counters = this.counters;
    const s2 = salt.readUInt32BE(8);
    const s3 = salt.readUInt16BE(12);
    // Byte stores, not Buffer's write methods or a `copy` a block: in the sandbox's process V8
    // did not inline those calls here, and a call a word, or a native copy a block, made this
    // loop ~0.5–1 µs of every packet (perf with V8's perf map, media bench at 100 calls).
    for (let p = 0; p < KEYSTREAM_BATCH; p++) {
      const index = first + p;
      const w2 = (s2 ^ (Math.floor(index / 0x10000) >>> 0)) >>> 0;
      const w3 = s3 ^ (index & 0xffff);
      const b8 = w2 >>> 24;
      const b9 = (w2 >>> 16) & 0xff;
      const b10 = (w2 >>> 8) & 0xff;
      const b11 = w2 & 0xff;
      const b12 = w3 >>> 8;
      const b13 = w3 & 0xff;
      for (let i = 0, at = p * blocks * 16; i < blocks; i++, at += 16) {
        counters[at + 8] = b8;
        counters[at + 9] = b9;
        counters[at + 10] = b10;
        counters[at + 11] = b11;
        counters[at + 12] = b12;
        counters[at + 13] = b13;
      }
    }
    this.keystream = this.ecb!.update(counters);
    this.batchSsrc = ssrc;
    this.batchFirst = first;
    this.batchBlocks = blocks;
  }

  /** AES-CM's HMAC-SHA1 (RFC 2104) over `data[0, end)` followed by the ROC, as 20 latin1 characters; the first 10 are the tag. */
  protected cmTag(data: Buffer, end: number, roc: number): string {
    const length = SHA1_BLOCK + end + 4;
    if (this.inner.length < length) {
      const grown = Buffer.alloc(length + 256);
      this.inner.copy(grown, 0, 0, SHA1_BLOCK);
      this.inner = grown;
    }
    const inner = this.inner;
    data.copy(inner, SHA1_BLOCK, 0, end);
    inner.writeUInt32BE(roc >>> 0, SHA1_BLOCK + end);
    if (this.innerView.buffer !== inner.buffer || this.innerView.length !== length) this.innerView = inner.subarray(0, length);
    // Digests as latin1 ('binary') strings, not Buffers: a 20-byte string is a small V8 heap object, where
    // a Buffer is an ArrayBuffer and a view, and `hash(…, 'buffer')` lower-cases its encoding
    // name twice a call; ~0.7 µs against ~2.9 µs the pair (Node 24).
    this.outer.write(hash('sha1', this.innerView, 'binary'), SHA1_BLOCK, 20, 'latin1');
    return hash('sha1', this.outer, 'binary');
  }

  /**
   * Whether the AES-CM tag at `data[at, at + 10)` is that of `data[0, end)` and `word` (`cmTag`):
   * every byte compared, no early exit (as timingSafeEqual, without its two subarrays a packet).
   */
  protected cmTagMatches(data: Buffer, end: number, word: number, at: number): boolean {
    const expected = this.cmTag(data, end, word);
    let differ = 0;
    for (let i = 0; i < CM_TAG; i++) differ |= expected.charCodeAt(i) ^ data[at + i]!;
    return differ === 0;
  }
}

/** Protects the RTP of one outgoing stream (one SSRC, G.711 µ-law, payload type 0). */
export class SrtpSender extends SrtpDirection {
  private roc = 0;
  private lastSeq = -1;

  constructor(keys: SrtpSessionKeys, private readonly ssrc: number, private readonly payloadType = 0) {
    super(keys);
  }

  /** The stream's rollover state (RFC 3711 ROC and last sequence number; -1 before the first packet). */
  rollover(): { ssrc: number; roc: number; lastSeq: number } {
    return { ssrc: this.ssrc, roc: this.roc, lastSeq: this.lastSeq };
  }

  /** One SRTP packet in a new Buffer: header, encrypted payload, tag. */
  protect(payload: Uint8Array, seq: number, timestamp: number): Buffer {
    // RFC 3711 §3.3.1: the sender's ROC counts its own sequence number wrapping.
    if (this.lastSeq >= 0 && seq < this.lastSeq && this.lastSeq - seq > 0x8000) this.roc = (this.roc + 1) >>> 0;
    this.lastSeq = seq;
    const roc = this.roc;
    const end = RTP_HEADER + payload.length;
    // allocUnsafe: every byte is written below. A new Buffer a packet because dgram sends later (its address lookup is a nextTick).
    const packet = Buffer.allocUnsafe(end + this.tagLength);
    packet[0] = 0x80;
    packet[1] = this.payloadType;
    packet.writeUInt16BE(seq, 2);
    packet.writeUInt32BE(timestamp >>> 0, 4);
    packet.writeUInt32BE(this.ssrc, 8);
    if (this.gcm) {
      const cipher = createCipheriv('aes-128-gcm', this.key, this.gcmIv(this.ssrc, roc, seq));
      cipher.setAAD(packet.subarray(0, RTP_HEADER));
      cipher.update(payload).copy(packet, RTP_HEADER);
      cipher.final();
      cipher.getAuthTag().copy(packet, end);
    } else {
      // The payload encrypted as it is copied in, one pass. The loop is written here rather than
      // called (`ctrXor`): in the media bench's floor V8 inlined `ctrXor` into each caller, whose
      // loop then saw one kind of Buffer; in the sandbox's process it did not, and the one shared
      // loop (Buffers made in JavaScript and by dgram, a map check a byte) took ~1.8 µs of each RTP
      // packet (perf with V8's perf map, 100 calls). Written here, srtp.ts's whole share of a
      // sandbox packet went from 2.9 to 2.5 µs.
      const length = payload.length;
      if (length > 0) {
        const at = this.keystreamAt(length, this.ssrc, roc, seq);
        const keystream = this.keystream;
        for (let i = 0; i < length; i++) packet[RTP_HEADER + i] = payload[i]! ^ keystream[at + i]!;
      }
      packet.write(this.cmTag(packet, end, roc), end, CM_TAG, 'latin1');
    }
    return packet;
  }
}

/** RFC 3711 §3.3.2's replay list of one stream (SRTP packet indexes, or SRTCP indexes). */
interface ReplayWindow {
  /** Highest index authenticated; -1 before the first. */
  highest: number;
  /** Index of the last packet authenticated in each slot (index mod REPLAY_WINDOW). */
  seen: Float64Array;
}

/** Too old for the window, or seen already. */
function replayed(window: ReplayWindow, index: number): boolean {
  return index <= window.highest - REPLAY_WINDOW || window.seen[index % REPLAY_WINDOW] === index;
}

/** Records an authenticated index (only an authenticated packet may move the window). */
function remember(window: ReplayWindow, index: number): void {
  if (index > window.highest) window.highest = index;
  window.seen[index % REPLAY_WINDOW] = index;
}

/** The state of stream `ssrc`, made by `make` for a new one; streams come and go with renegotiation, so few are kept. */
function streamState<T>(states: Map<number, T>, ssrc: number, make: () => T): T {
  let state = states.get(ssrc);
  if (state === undefined) {
    if (states.size >= 16) states.clear();
    state = make();
    states.set(ssrc, state);
  }
  return state;
}

const emptyWindow = (): ReplayWindow => ({ highest: -1, seen: new Float64Array(REPLAY_WINDOW).fill(-1) });

/** Per-SSRC receive state: RFC 3711's s_l and ROC, and the replay window. */
interface ReceiveState extends ReplayWindow {
  ssrc: number;
  roc: number;
  /** Highest sequence number authenticated in this ROC (s_l); -1 before the first. */
  lastSeq: number;
}

/** Authenticates and decrypts incoming SRTP, in place. */
export class SrtpReceiver extends SrtpDirection {
  private readonly states = new Map<number, ReceiveState>();
  private last: ReceiveState | null = null;

  /** Each stream's rollover state, for whoever receives after this receiver. */
  rollovers(): Array<{ ssrc: number; roc: number; lastSeq: number }> {
    return [...this.states.values()].filter((state) => state.lastSeq >= 0).map(({ ssrc, roc, lastSeq }) => ({ ssrc, roc, lastSeq }));
  }

  /**
   * Authenticates and decrypts `packet` in place (its payload becomes plaintext, the tag is
   * left after it) and returns the length of the RTP packet (header + payload + padding), or
   * -1 when it is malformed, fails authentication or is a replay (the packet is then not changed
   * in any way that matters: drop it).
   */
  unprotect(packet: Buffer): number {
    const end = packet.length - this.tagLength;
    if (end < RTP_HEADER || packet[0]! >> 6 !== 2) return -1;
    let headerEnd = RTP_HEADER + (packet[0]! & 0x0f) * 4;
    if (packet[0]! & 0x10) {
      if (end < headerEnd + 4) return -1;
      headerEnd += 4 + packet.readUInt16BE(headerEnd + 2) * 4;
    }
    if (headerEnd > end) return -1;
    const seq = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    let state = this.last;
    if (!state || state.ssrc !== ssrc) {
      state = streamState(this.states, ssrc, () => ({ ssrc, roc: 0, lastSeq: -1, ...emptyWindow() }));
      this.last = state;
    }
    // RFC 3711 §3.3.1: the ROC this packet was most likely sent with.
    let roc = state.roc;
    if (state.lastSeq >= 0) {
      if (state.lastSeq < 0x8000) {
        if (seq - state.lastSeq > 0x8000 && roc > 0) roc--;
      } else if (state.lastSeq - 0x8000 > seq) roc = (roc + 1) >>> 0;
    }
    const index = roc * 0x10000 + seq;
    if (replayed(state, index)) return -1;
    if (this.gcm) {
      const decipher = createDecipheriv('aes-128-gcm', this.key, this.gcmIv(ssrc, roc, seq));
      decipher.setAAD(packet.subarray(0, headerEnd));
      decipher.setAuthTag(packet.subarray(end));
      const plain = decipher.update(packet.subarray(headerEnd, end));
      try {
        decipher.final();
      } catch {
        return -1;
      }
      plain.copy(packet, headerEnd);
    } else {
      if (!this.cmTagMatches(packet, end, roc, end)) return -1;
      // Decrypted in place; the loop written here for the reason `SrtpSender.protect` gives.
      const length = end - headerEnd;
      if (length > 0) {
        const at = this.keystreamAt(length, ssrc, roc, seq);
        const keystream = this.keystream;
        for (let i = 0; i < length; i++) packet[headerEnd + i]! ^= keystream[at + i]!;
      }
    }
    // Authenticated: only now does the packet move the state on.
    if (roc !== state.roc && roc === ((state.roc + 1) >>> 0)) {
      state.roc = roc;
      state.lastSeq = seq;
    } else if (roc === state.roc && seq > state.lastSeq) state.lastSeq = seq;
    remember(state, index);
    return end;
  }
}

/** RFC 3711 §3.4: the E flag and the 31-bit SRTCP index follow the RTCP compound packet. */
const SRTCP_INDEX = 4;
/** The largest SRTCP index; the next wraps to 0 (as werift's `SrtcpContext`). */
const SRTCP_INDEX_MAX = 0x7fffffff;
/** RTCP's fixed header and sender SSRC: sent in the clear (RFC 3711 §3.4). */
const RTCP_CLEAR = 8;

/** Whether a profile's SRTCP this module implements (AES-CM; AEAD stays werift's). */
export function supportedRtcpProfile(profile: number): boolean {
  return profile === AES_CM_128_HMAC_SHA1_80;
}

/**
 * Protects the RTCP compound packets of one sender (AES_CM_128_HMAC_SHA1_80), each with the
 * next SRTCP index, encrypted (E set). No index may be used twice (it would reuse keystream):
 * see `counter`.
 */
export class SrtcpSender extends SrtpDirection {
  /**
   * `counter`: where the sender's last SRTCP index is kept. Pass werift's own state of the SSRC
   * (its context's `getSrtcpSsrcState`) when werift may send RTCP with it too (its receiver's
   * report loop uses the sender's SSRC): both then move one counter, and no index, so no
   * keystream, is used twice.
   */
  constructor(keys: SrtpSessionKeys, private readonly counter: { srtcpIndex: number } = { srtcpIndex: 0 }) {
    if (!supportedRtcpProfile(keys.profile)) throw new Error(`SRTCP profile ${keys.profile} is not implemented here`);
    super(keys);
  }

  /** The last SRTCP index used (0 before the first packet). */
  get lastIndex(): number {
    return this.counter.srtcpIndex;
  }

  /** One SRTCP packet in a new Buffer: the compound packet, encrypted after its first 8 bytes, E|index, tag. */
  protect(rtcp: Uint8Array): Buffer {
    if (rtcp.length < RTCP_CLEAR) throw new Error('an RTCP packet is at least 8 bytes');
    // As werift's context: the index moves on before use, and wraps after 2^31 - 1.
    const last = this.counter.srtcpIndex;
    const index = last >= 0 && last < SRTCP_INDEX_MAX ? last + 1 : 0;
    this.counter.srtcpIndex = index;
    const end = rtcp.length;
    const packet = Buffer.allocUnsafe(end + SRTCP_INDEX + CM_TAG);
    packet.set(rtcp, 0);
    // RFC 3711 §4.1.1 with the SRTCP index in place of ROC || SEQ.
    this.ctrXor(packet, RTCP_CLEAR, end, packet.readUInt32BE(4), index >>> 16, index & 0xffff);
    const eIndex = (0x80000000 | index) >>> 0;
    packet.writeUInt32BE(eIndex, end);
    // The authenticated portion is the packet and E|index: `cmTag`'s message and its trailing word.
    packet.write(this.cmTag(packet, end, eIndex), end + SRTCP_INDEX, CM_TAG, 'latin1');
    return packet;
  }
}

/** Authenticates and decrypts incoming SRTCP (AES_CM_128_HMAC_SHA1_80), in place. */
export class SrtcpReceiver extends SrtpDirection {
  /** Each sender's replay window, over its SRTCP indexes. */
  private readonly windows = new Map<number, ReplayWindow>();

  constructor(keys: SrtpSessionKeys) {
    if (!supportedRtcpProfile(keys.profile)) throw new Error(`SRTCP profile ${keys.profile} is not implemented here`);
    super(keys);
  }

  /**
   * Authenticates `packet` and decrypts it in place when its E flag is set; returns the length of
   * the RTCP compound packet at its start, or -1 when it is malformed, fails authentication or is
   * a replay (drop it).
   */
  unprotect(packet: Buffer): number {
    const end = packet.length - SRTCP_INDEX - CM_TAG;
    if (end < RTCP_CLEAR || packet[0]! >> 6 !== 2) return -1;
    const eIndex = packet.readUInt32BE(end);
    // The authenticated portion is the packet and E|index (RFC 3711 §3.4).
    if (!this.cmTagMatches(packet, end, eIndex, end + SRTCP_INDEX)) return -1;
    const index = eIndex & SRTCP_INDEX_MAX;
    const ssrc = packet.readUInt32BE(4);
    const replay = streamState(this.windows, ssrc, emptyWindow);
    // No window restarts when a sender's index wraps: RFC 3711 §9.2 wants new keys before 2^31
    // packets (~340 years of reports at one each 5 s), and a restart would let an old packet in.
    if (replayed(replay, index)) return -1;
    if (eIndex & 0x80000000) this.ctrXor(packet, RTCP_CLEAR, end, ssrc, index >>> 16, index & 0xffff);
    remember(replay, index);
    return end;
  }
}
