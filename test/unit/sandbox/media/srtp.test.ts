import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  keyLength,
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RtcpReceiverInfo,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  RtpHeader,
  saltLength,
  SourceDescriptionChunk,
  SourceDescriptionItem,
  SrtcpSession,
  SrtpSession,
} from 'werift';
import { KEYSTREAM_BATCH, SrtcpReceiver, SrtcpSender, SrtpReceiver, SrtpSender, type SrtpSessionKeys } from '../../../../sandbox/media/srtp';
import { FRAME_SAMPLES } from '../../../../sandbox/media/g711';

/** Two werift sessions facing each other, and the session keys werift derived for a→b. */
function sessions(profile: 1 | 7) {
  const a = { key: randomBytes(keyLength(profile)), salt: randomBytes(saltLength(profile)) };
  const b = { key: randomBytes(keyLength(profile)), salt: randomBytes(saltLength(profile)) };
  const near = new SrtpSession({ keys: { localMasterKey: a.key, localMasterSalt: a.salt, remoteMasterKey: b.key, remoteMasterSalt: b.salt }, profile });
  const far = new SrtpSession({ keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt }, profile });
  const context = (near as unknown as { localContext: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer; srtpSessionAuthTag: Buffer } }).localContext;
  const keys: SrtpSessionKeys = { profile, key: context.srtpSessionKey, salt: context.srtpSessionSalt, ...(profile === 1 ? { authKey: context.srtpSessionAuthTag } : {}) };
  return { near, far, keys };
}

const header = (seq: number, timestamp: number, ssrc = 0x1234abcd) => new RtpHeader({ payloadType: 0, ssrc, sequenceNumber: seq, timestamp, marker: false });

describe('hand-written SRTP (srtp.ts)', () => {
  for (const [name, profile] of [
    ['AES_CM_128_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80],
    ['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm],
  ] as const) {
    describe(name, () => {
      it('protects byte for byte as werift does, across a sequence-number wrap (the ROC)', () => {
        const { near, keys } = sessions(profile);
        const sender = new SrtpSender(keys, 0x1234abcd);
        for (let n = 0xfff0; n < 0x10010; n++) {
          const payload = randomBytes(FRAME_SAMPLES);
          const seq = n & 0xffff;
          const ours = sender.protect(payload, seq, (n * FRAME_SAMPLES) >>> 0);
          expect(ours.equals(near.encrypt(payload, header(seq, (n * FRAME_SAMPLES) >>> 0)))).toBe(true);
        }
        expect(sender.rollover()).toEqual({ ssrc: 0x1234abcd, roc: 1, lastSeq: 0x000f });
      });

      it('unprotects werift’s packets in place across a wrap, and werift unprotects ours', () => {
        const { near, far, keys } = sessions(profile);
        const receiver = new SrtpReceiver(keys);
        const sender = new SrtpSender(keys, 77);
        for (let n = 0xfff8; n < 0x10008; n++) {
          const payload = randomBytes(FRAME_SAMPLES);
          const packet = Buffer.from(near.encrypt(payload, header(n & 0xffff, n)));
          const end = receiver.unprotect(packet);
          expect(end).toBe(12 + FRAME_SAMPLES);
          expect(packet.subarray(12, end).equals(payload)).toBe(true);
          expect(packet.readUInt16BE(2)).toBe(n & 0xffff);
          expect(far.decrypt(sender.protect(payload, n & 0xffff, n)).subarray(12).equals(payload)).toBe(true);
        }
        expect(receiver.rollovers()).toEqual([{ ssrc: 0x1234abcd, roc: 1, lastSeq: 7 }]);
      });

      it('an empty payload, between full ones and past a keystream batch, both ways as werift does', () => {
        const { near, keys } = sessions(profile);
        const sender = new SrtpSender(keys, 0x1234abcd);
        const receiver = new SrtpReceiver(keys);
        for (const [seq, size] of [
          [1, FRAME_SAMPLES],
          [2, 0],
          [2 + KEYSTREAM_BATCH * 3, 0],
          [3 + KEYSTREAM_BATCH * 3, FRAME_SAMPLES],
        ] as const) {
          const payload = randomBytes(size);
          const theirs = Buffer.from(near.encrypt(payload, header(seq, seq * FRAME_SAMPLES)));
          expect(sender.protect(payload, seq, seq * FRAME_SAMPLES).equals(theirs)).toBe(true);
          expect(receiver.unprotect(theirs)).toBe(12 + size);
          expect(theirs.subarray(12, 12 + size).equals(payload)).toBe(true);
        }
      });

      it('refuses a tampered packet, a packet under other keys, a replay and a truncated packet', () => {
        const { near, keys } = sessions(profile);
        const receiver = new SrtpReceiver(keys);
        const payload = randomBytes(FRAME_SAMPLES);
        const good = near.encrypt(payload, header(100, 1600));
        for (const at of [1, 5, 20, good.length - 1]) {
          const tampered = Buffer.from(good);
          tampered[at] = tampered[at]! ^ 0x01;
          expect(receiver.unprotect(tampered)).toBe(-1);
        }
        const stranger = sessions(profile).near.encrypt(payload, header(100, 1600));
        expect(receiver.unprotect(Buffer.from(stranger))).toBe(-1);
        expect(receiver.unprotect(Buffer.from(good.subarray(0, 12)))).toBe(-1);
        // A refused packet moved nothing: the genuine one still goes through, once.
        expect(receiver.unprotect(Buffer.from(good))).toBe(12 + FRAME_SAMPLES);
        expect(receiver.unprotect(Buffer.from(good))).toBe(-1);
        // Out of order within the window is fine; far behind it is not.
        const later = near.encrypt(payload, header(400, 6400));
        const earlier = near.encrypt(payload, header(399, 6384));
        expect(receiver.unprotect(Buffer.from(later))).toBe(12 + FRAME_SAMPLES);
        expect(receiver.unprotect(Buffer.from(earlier))).toBe(12 + FRAME_SAMPLES);
        const old = near.encrypt(payload, header(101, 1616));
        expect(receiver.unprotect(Buffer.from(old))).toBe(-1);
      });

      it('keeps a 128-packet replay window as RFC 3711 §3.3.2 says, over random late, repeated and far-ahead packets, per SSRC', () => {
        const { near, keys } = sessions(profile);
        const receiver = new SrtpReceiver(keys);
        // The rule itself, kept plainly: a packet passes once, unless 128 or more behind the highest passed.
        const model = new Map<number, { highest: number; seen: Set<number>; sent: number[] }>();
        const payload = randomBytes(20);
        let seed = 7;
        const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
        const ssrcs = [0x1234abcd, 0xfedcba98]; // one of them above 2^31
        const heads = new Map(ssrcs.map((ssrc) => [ssrc, 1000]));
        let refused = 0;
        for (let n = 0; n < 1500; n++) {
          const ssrc = ssrcs[random(10) === 0 ? 1 : 0]!;
          const head = heads.get(ssrc)!;
          const state = model.get(ssrc) ?? { highest: -1, seen: new Set<number>(), sent: [] };
          model.set(ssrc, state);
          // Mostly the next one; some late ones (up to 160 back: inside the window and past its
          // end), some sent again (one of the last 50 sent), some jumps ahead (up to 200, past
          // the whole window).
          const roll = random(20);
          const seq =
            roll < 10 ? head + 1 : roll < 13 ? head - random(161) : roll < 17 && state.sent.length > 0 ? state.sent[state.sent.length - 1 - random(Math.min(50, state.sent.length))]! : head + 1 + random(200);
          heads.set(ssrc, Math.max(head, seq));
          state.sent.push(seq);
          const passes = !state.seen.has(seq) && !(state.highest >= 0 && seq <= state.highest - 128);
          if (passes) {
            state.seen.add(seq);
            state.highest = Math.max(state.highest, seq);
          } else refused++;
          expect(receiver.unprotect(Buffer.from(near.encrypt(payload, header(seq, seq * 160, ssrc)))), `packet ${n}: seq ${seq} of ${ssrc.toString(16)}`).toBe(passes ? 12 + 20 : -1);
        }
        // Both kinds of packet came up often enough for the comparison to mean something.
        expect(refused).toBeGreaterThan(100);
        expect(refused).toBeLessThan(1000);
      });

      it('matches werift when packets change length, go back, jump past a keystream batch and change SSRC', () => {
        const { near, far, keys } = sessions(profile);
        const sender = new SrtpSender(keys, 0x1234abcd);
        const receiver = new SrtpReceiver(keys);
        // Lengths up and down (the batch's blocks per packet), a step back, jumps of one batch and more, a wrap.
        const steps: Array<[seq: number, bytes: number]> = [
          [10, 160], [11, 160], [12, 240], [13, 80], [9, 160], [10 + KEYSTREAM_BATCH, 160], [11 + KEYSTREAM_BATCH, 160],
          [500, 20], [501, 1], [0xffff, 160], [0, 160], [1, 300],
        ];
        for (const [seq, bytes] of steps) {
          const payload = randomBytes(bytes);
          const ours = sender.protect(payload, seq, seq * 160);
          expect(ours.equals(near.encrypt(payload, header(seq, seq * 160)))).toBe(true);
          expect(far.decrypt(Buffer.from(ours)).subarray(12).equals(payload)).toBe(true);
        }
        // Receiving, two SSRCs interleaved (each its own counters) and lengths changing.
        let n = 0;
        for (const [ssrc, seq, bytes] of [[1, 100, 160], [2, 7, 160], [1, 101, 160], [2, 8, 80], [1, 102, 200], [1, 140, 160], [2, 9, 160]] as const) {
          const payload = randomBytes(bytes);
          const packet = Buffer.from(near.encrypt(payload, header(seq, n++ * 160, ssrc)));
          expect(receiver.unprotect(packet)).toBe(12 + bytes);
          expect(packet.subarray(12, 12 + bytes).equals(payload)).toBe(true);
        }
      });

      it('skips CSRCs and a header extension as the payload’s start', () => {
        const { near, keys } = sessions(profile);
        const receiver = new SrtpReceiver(keys);
        const payload = randomBytes(FRAME_SAMPLES);
        const withCsrc = new RtpHeader({ payloadType: 0, ssrc: 9, sequenceNumber: 5, timestamp: 800, csrc: [1, 2], csrcLength: 2 });
        const packet = Buffer.from(near.encrypt(payload, withCsrc));
        const end = receiver.unprotect(packet);
        expect(end).toBe(12 + 8 + FRAME_SAMPLES);
        expect(packet.subarray(20, end).equals(payload)).toBe(true);
      });
    });
  }

  it('refuses keys of the wrong size or a profile it does not implement', () => {
    expect(() => new SrtpSender({ profile: 2, key: randomBytes(16), salt: randomBytes(14) }, 1)).toThrow(/profile 2/);
    expect(() => new SrtpSender({ profile: 7, key: randomBytes(32), salt: randomBytes(14) }, 1)).toThrow(/16 bytes/);
    expect(() => new SrtpReceiver({ profile: 1, key: randomBytes(16), salt: randomBytes(14) })).toThrow(/auth key/);
  });
});

/** Two werift SRTCP sessions facing each other (AES-CM), and the SRTCP session keys werift derived for a→b. */
function rtcpSessions() {
  const profile = ProtectionProfileAes128CmHmacSha1_80;
  const a = { key: randomBytes(keyLength(profile)), salt: randomBytes(saltLength(profile)) };
  const b = { key: randomBytes(keyLength(profile)), salt: randomBytes(saltLength(profile)) };
  const near = new SrtcpSession({ keys: { localMasterKey: a.key, localMasterSalt: a.salt, remoteMasterKey: b.key, remoteMasterSalt: b.salt }, profile });
  const far = new SrtcpSession({ keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt }, profile });
  type Context = { srtcpSessionKey: Buffer; srtcpSessionSalt: Buffer; srtcpSessionAuthTag: Buffer; getSrtcpSsrcState(ssrc: number): { srtcpIndex: number } };
  const context = (near as unknown as { localContext: Context }).localContext;
  const keys: SrtpSessionKeys = { profile, key: context.srtcpSessionKey, salt: context.srtcpSessionSalt, authKey: context.srtcpSessionAuthTag };
  return { near, far, keys, context };
}

/** A compound RTCP packet as a leg sends one: an SR with a report block, and an SDES CNAME. */
function compound(ssrc: number, packets: number): Buffer {
  const sr = new RtcpSrPacket({
    ssrc,
    senderInfo: new RtcpSenderInfo({ ntpTimestamp: 0xe1234567_89abcdefn, rtpTimestamp: 160 * packets, packetCount: packets, octetCount: 160 * packets }),
    reports: [new RtcpReceiverInfo({ ssrc: 42, fractionLost: 0, packetsLost: 0, highestSequence: packets, jitter: 3, lsr: 0, dlsr: 0 })],
  });
  const sdes = new RtcpSourceDescriptionPacket({ chunks: [new SourceDescriptionChunk({ source: ssrc, items: [new SourceDescriptionItem({ type: 1, text: 'sandbox-0000abcd' })] })] });
  return Buffer.concat([sr.serialize(), sdes.serialize()]);
}

describe('hand-written SRTCP (srtp.ts, AES_CM_128_HMAC_SHA1_80)', () => {
  it('protects byte for byte as werift does, index after index, and werift unprotects ours', () => {
    const { near, far, keys } = rtcpSessions();
    const sender = new SrtcpSender(keys);
    for (let n = 1; n <= 40; n++) {
      const rtcp = compound(0xabcd, n);
      const ours = sender.protect(rtcp);
      expect(ours.equals(near.encrypt(rtcp))).toBe(true);
      expect(ours.readUInt32BE(ours.length - 14)).toBe((0x80000000 | n) >>> 0); // E set, index n
      expect(far.decrypt(ours).equals(rtcp)).toBe(true);
    }
    expect(sender.lastIndex).toBe(40);
  });

  it('unprotects werift’s packets in place; refuses a tampered packet, other keys, a replay and a runt', () => {
    const { near, keys } = rtcpSessions();
    const receiver = new SrtcpReceiver(keys);
    for (let n = 1; n <= 40; n++) {
      const rtcp = compound(0xabcd, n);
      const packet = Buffer.from(near.encrypt(rtcp));
      const end = receiver.unprotect(packet);
      expect(end).toBe(rtcp.length);
      expect(packet.subarray(0, end).equals(rtcp)).toBe(true);
    }
    const fresh = Buffer.from(near.encrypt(compound(0xabcd, 41)));
    const tampered = Buffer.from(fresh);
    tampered[12]! ^= 1;
    expect(receiver.unprotect(tampered)).toBe(-1);
    expect(new SrtcpReceiver(rtcpSessions().keys).unprotect(Buffer.from(fresh))).toBe(-1);
    expect(receiver.unprotect(Buffer.from(fresh))).toBe(compound(0xabcd, 41).length);
    expect(receiver.unprotect(Buffer.from(fresh))).toBe(-1); // the same index again
    expect(receiver.unprotect(fresh.subarray(0, 20))).toBe(-1);
    expect(() => new SrtcpReceiver({ ...keys, profile: ProtectionProfileAeadAes128Gcm })).toThrow(/SRTCP profile 7/);
  });

  it('keeps a replay window: late packets inside it pass once, older ones are refused; an unencrypted (E = 0) packet is authenticated, not decrypted', () => {
    const { near, keys } = rtcpSessions();
    const receiver = new SrtcpReceiver(keys);
    const packets = Array.from({ length: 200 }, (_, n) => ({ rtcp: compound(0xabcd, n), srtcp: Buffer.from(near.encrypt(compound(0xabcd, n))) }));
    expect(receiver.unprotect(Buffer.from(packets[199]!.srtcp))).toBeGreaterThan(0); // index 200
    // Index 100 is 100 behind the highest: inside the 128-packet window, accepted once.
    expect(receiver.unprotect(Buffer.from(packets[99]!.srtcp))).toBe(packets[99]!.rtcp.length);
    expect(receiver.unprotect(Buffer.from(packets[99]!.srtcp))).toBe(-1);
    // Index 50 is 150 behind: too old.
    expect(receiver.unprotect(Buffer.from(packets[49]!.srtcp))).toBe(-1);
    // Far behind, as when the highest is 2^30 ahead: still too old (no restart of the window lets it in).
    const { near: far, keys: farKeys, context } = rtcpSessions();
    const early = Buffer.from(far.encrypt(compound(0xabcd, 1)));
    context.getSrtcpSsrcState(0xabcd).srtcpIndex = 0x50000000;
    const late = Buffer.from(far.encrypt(compound(0xabcd, 2)));
    const window = new SrtcpReceiver(farKeys);
    expect(window.unprotect(late)).toBeGreaterThan(0);
    expect(window.unprotect(early)).toBe(-1);
    // E = 0: the compound in the clear, then the index with E unset, then HMAC-SHA1-80 over both.
    const clear = compound(0xabcd, 7);
    const word = Buffer.alloc(4);
    word.writeUInt32BE(201);
    const tag = createHmac('sha1', keys.authKey!).update(clear).update(word).digest().subarray(0, 10);
    const plain = Buffer.concat([clear, word, tag]);
    expect(receiver.unprotect(plain)).toBe(clear.length);
    expect(plain.subarray(0, clear.length).equals(clear)).toBe(true);
  });

  it('shares werift’s index of the SSRC, so werift and srtp.ts sending for one SSRC never reuse an index (a keystream)', () => {
    const { near, far, keys, context } = rtcpSessions();
    const sender = new SrtcpSender(keys, context.getSrtcpSsrcState(0xabcd));
    const indexes: number[] = [];
    for (let n = 1; n <= 10; n++) {
      const rtcp = compound(0xabcd, n);
      const packet = n % 3 === 0 ? near.encrypt(rtcp) : sender.protect(rtcp);
      indexes.push(packet.readUInt32BE(packet.length - 14) & 0x7fffffff);
      expect(far.decrypt(packet).equals(rtcp)).toBe(true);
    }
    expect(indexes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // After 2^31 - 1 the index wraps to 0, as werift's does.
    context.getSrtcpSsrcState(0xabcd).srtcpIndex = 0x7fffffff;
    const wrapped = sender.protect(compound(0xabcd, 11));
    expect(wrapped.readUInt32BE(wrapped.length - 14)).toBe(0x80000000);
  });
});
