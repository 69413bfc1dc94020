/**
 * The encoding of the STUN messages (RFC 5389, RFC 8445) that consent.ts sends: written in one
 * pass into one buffer, MESSAGE-INTEGRITY and FINGERPRINT last. What goes into a consent check
 * stays werift's (its `buildRequest` picks the attributes); only the bytes are written here.
 * Reading the messages consent.ts takes (`readStun`) is here too, and the mux's check of an
 * unknown sender's Binding request; and the HMAC key of an ICE password (`stunKey`).
 *
 * Why not werift's `Message#bytes`: it serialises every attribute again each time it is read
 * (with a function's name looked up per attribute), and adding MESSAGE-INTEGRITY and
 * FINGERPRINT reads it four times. Warm (7 interleaved rounds of 20,000), a consent check took
 * 20.1 µs with werift's encoder and 10.9 µs with this one (werift's `buildRequest` included),
 * an answer 14.4 µs against 3.5 µs. In place it costs far more: each consent message runs
 * every few seconds with its code cold (`perf`, media bench at 100 calls: ~190 µs an answer),
 * so what it touches is what it costs. Against the previous code on the same 100 calls
 * (alternating 5-s windows, 10 pairs), the sandbox's CPU with no audio fell from 24.0 to
 * 18.3 ms a second, every pair lower. These messages are small: a Binding request or success
 * response with a handful of attributes.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { crc32 } from 'node:zlib';

/** RFC 5389 §6: the magic cookie after the type and length. */
export const MAGIC_COOKIE = 0x2112a442;
/** RFC 5389 §15.5: the FINGERPRINT is the CRC-32 of the message XORed with this. */
const FINGERPRINT_XOR = 0x5354554e;
const HEADER_BYTES = 20;
const INTEGRITY_BYTES = 4 + 20;
const FINGERPRINT_BYTES = 4 + 4;

/** Attribute types (RFC 5389 §18.2, RFC 8445 §16.1). */
export const StunAttribute = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  XOR_MAPPED_ADDRESS: 0x0020,
  PRIORITY: 0x0024,
  USE_CANDIDATE: 0x0025,
  FINGERPRINT: 0x8028,
  ICE_CONTROLLED: 0x8029,
  ICE_CONTROLLING: 0x802a,
} as const;

/**
 * The HMAC key of an ICE password (RFC 5389 short-term credentials) as a `KeyObject`. Node 24's
 * `createHmac` tells a KeyObject from a Buffer by catching a thrown TypeError, twice for a
 * Buffer key: two exceptions with their stack traces a message (~11 µs against ~2.5 µs an HMAC
 * in a microbench, more in the event loop's deeper stacks), which showed in the media bench's
 * profile at a few µs an RTP packet.
 */
export function stunKey(password: string): KeyObject {
  return createSecretKey(Buffer.from(password, 'utf8'));
}

/** One attribute: its type and its value's bytes (padding is added when written). */
export type StunAttributeValue = readonly [type: number, value: Buffer];

/**
 * A STUN message: `type` (method and class, e.g. 0x0001 Binding request, 0x0101 success
 * response), the 12-byte transaction ID, the attributes in order, then MESSAGE-INTEGRITY
 * (HMAC-SHA1 with `key`, the short-term credential's password) and FINGERPRINT.
 */
export function writeStun(type: number, transactionId: Buffer, attributes: readonly StunAttributeValue[], key: KeyObject): Buffer {
  if (transactionId.length !== 12) throw new Error(`a STUN transaction ID is 12 bytes, not ${transactionId.length}`);
  let body = 0;
  for (const [, value] of attributes) body += 4 + ((value.length + 3) & ~3);
  // Zeroed, so every attribute's padding is zeros.
  const out = Buffer.alloc(HEADER_BYTES + body + INTEGRITY_BYTES + FINGERPRINT_BYTES);
  out.writeUInt16BE(type, 0);
  out.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(out, 8);
  let at = HEADER_BYTES;
  for (const [attribute, value] of attributes) {
    out.writeUInt16BE(attribute, at);
    out.writeUInt16BE(value.length, at + 2);
    value.copy(out, at + 4);
    at += 4 + ((value.length + 3) & ~3);
  }
  // RFC 5389 §15.4: the HMAC covers the message up to the attribute, its length counting the attribute.
  out.writeUInt16BE(at - HEADER_BYTES + INTEGRITY_BYTES, 2);
  const integrity = createHmac('sha1', key).update(out.subarray(0, at)).digest();
  out.writeUInt16BE(StunAttribute.MESSAGE_INTEGRITY, at);
  out.writeUInt16BE(20, at + 2);
  integrity.copy(out, at + 4);
  at += INTEGRITY_BYTES;
  // RFC 5389 §15.5: the CRC covers the message up to the attribute, its length counting the attribute.
  out.writeUInt16BE(at - HEADER_BYTES + FINGERPRINT_BYTES, 2);
  out.writeUInt16BE(StunAttribute.FINGERPRINT, at);
  out.writeUInt16BE(4, at + 2);
  out.writeUInt32BE((crc32(out.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0, at + 4);
  return out;
}

/** An XOR-MAPPED-ADDRESS value (RFC 5389 §15.2) of an IPv4 address and port, or null for anything else (werift answers those). */
export function xorMappedAddressV4(address: string, port: number): Buffer | null {
  if (!isIPv4(address) || !Number.isInteger(port) || port < 0 || port > 0xffff) return null;
  const value = Buffer.alloc(8);
  value[1] = 0x01; // IPv4
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const octets = address.split('.');
  let ip = 0;
  for (const octet of octets) ip = ip * 256 + Number(octet);
  value.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

/**
 * The attributes of a werift `Message` as this encoder writes them, or null when it holds one
 * this file does not know how to write, or raw attributes (the caller then lets werift write the
 * message). werift keeps attributes as [name, value] pairs, in the order they were set.
 */
export function fromWeriftAttributes(attributes: unknown, rawAttributes: unknown = []): StunAttributeValue[] | null {
  // werift writes its raw (unknown-type) attributes after the rest: this encoder leaves such a message to werift.
  if (!Array.isArray(attributes) || !Array.isArray(rawAttributes) || rawAttributes.length > 0) return null;
  const out: StunAttributeValue[] = [];
  for (const entry of attributes as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) return null;
    const [name, value] = entry as [unknown, unknown];
    if (name === 'USERNAME' && typeof value === 'string') out.push([StunAttribute.USERNAME, Buffer.from(value, 'utf8')]);
    else if (name === 'PRIORITY' && Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff) {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(value as number);
      out.push([StunAttribute.PRIORITY, bytes]);
    } else if ((name === 'ICE-CONTROLLING' || name === 'ICE-CONTROLLED') && typeof value === 'bigint' && value >= 0n && value < 1n << 64n) {
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64BE(value);
      out.push([name === 'ICE-CONTROLLING' ? StunAttribute.ICE_CONTROLLING : StunAttribute.ICE_CONTROLLED, bytes]);
    } else if (name === 'USE-CANDIDATE' && (value === null || value === undefined)) out.push([StunAttribute.USE_CANDIDATE, Buffer.alloc(0)]);
    else return null;
  }
  return out;
}

/** What consent.ts needs of a STUN message it has authenticated. */
export interface StunMessage {
  /** Method and class, e.g. 0x0001 Binding request, 0x0101 success response. */
  type: number;
  /** The 12-byte transaction ID (a view of the datagram). */
  transactionId: Buffer;
  /** USERNAME, when present. */
  username: string | null;
  useCandidate: boolean;
  iceControlling: boolean;
  iceControlled: boolean;
}

/** The value size each attribute readStun checks must have (werift's parser refuses a message with any other). */
const FIXED_SIZES = new Map<number, number>([
  [StunAttribute.PRIORITY, 4],
  [StunAttribute.USE_CANDIDATE, 0],
  [StunAttribute.ICE_CONTROLLED, 8],
  [StunAttribute.ICE_CONTROLLING, 8],
]);

/**
 * Reads a STUN message whose MESSAGE-INTEGRITY verifies with `key` (RFC 5389 §15.4), and whose
 * FINGERPRINT, when present, is right and last (§15.5); null for anything else: not STUN, cut
 * short, unauthenticated, damaged, or with a PRIORITY, USE-CANDIDATE, ICE-CONTROLLING,
 * ICE-CONTROLLED or XOR-MAPPED-ADDRESS of the wrong size (werift's parser refuses those too).
 * USERNAME is read before MESSAGE-INTEGRITY only, as §15.4 says; the ICE flags are reported
 * wherever they are, so a caller that leaves them to werift (consent.ts) leaves them all, as
 * werift, which reads them anywhere, would act on them. Why not werift's `parseMessage`: it
 * unpacks every attribute into objects first (consent.ts only needs four), and at 100 calls a
 * consent answer cost ~190 µs in the media bench against ~4 µs warm: run every few seconds, its
 * code is cold each time, so what it touches is what it costs.
 */
export function readStun(data: Buffer, key: KeyObject): StunMessage | null {
  if (data.length < HEADER_BYTES || (data[0]! & 0xc0) !== 0 || data.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const length = data.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER_BYTES + length !== data.length) return null;
  let username: string | null = null;
  let useCandidate = false;
  let iceControlling = false;
  let iceControlled = false;
  let integrityAt = -1;
  let at = HEADER_BYTES;
  while (at + 4 <= data.length) {
    const attribute = data.readUInt16BE(at);
    const size = data.readUInt16BE(at + 2);
    const end = at + 4 + size;
    if (end > data.length) return null;
    if (attribute === StunAttribute.FINGERPRINT) {
      // The last attribute, over everything before it.
      if (size !== 4 || end !== data.length) return null;
      if (((crc32(data.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0) !== data.readUInt32BE(at + 4)) return null;
      break;
    }
    const fixed = FIXED_SIZES.get(attribute);
    if (fixed !== undefined && size !== fixed) return null;
    // IPv4 (family 1) is 8 bytes, IPv6 (family 2) 20.
    if (attribute === StunAttribute.XOR_MAPPED_ADDRESS && !((size === 8 && data[at + 5] === 1) || (size === 20 && data[at + 5] === 2))) return null;
    if (attribute === StunAttribute.USE_CANDIDATE) useCandidate = true;
    else if (attribute === StunAttribute.ICE_CONTROLLING) iceControlling = true;
    else if (attribute === StunAttribute.ICE_CONTROLLED) iceControlled = true;
    else if (integrityAt < 0) {
      if (attribute === StunAttribute.MESSAGE_INTEGRITY) {
        if (size !== 20) return null;
        integrityAt = at;
      } else if (attribute === StunAttribute.USERNAME) username = data.toString('utf8', at + 4, end);
    }
    at += 4 + ((size + 3) & ~3);
  }
  if (integrityAt < 0) return null;
  // The HMAC covers the message up to MESSAGE-INTEGRITY, the header's length counting up to its end.
  const header = Buffer.from(data.subarray(0, HEADER_BYTES));
  header.writeUInt16BE(integrityAt - HEADER_BYTES + INTEGRITY_BYTES, 2);
  const expected = createHmac('sha1', key).update(header).update(data.subarray(HEADER_BYTES, integrityAt)).digest();
  if (!timingSafeEqual(expected, data.subarray(integrityAt + 4, integrityAt + INTEGRITY_BYTES))) return null;
  return { type: data.readUInt16BE(0), transactionId: data.subarray(8, 20), username, useCandidate, iceControlling, iceControlled };
}
