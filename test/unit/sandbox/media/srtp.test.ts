import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyLength, ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, saltLength, SrtpSession } from 'werift';
import { KEYSTREAM_BATCH, SrtpReceiver, SrtpSender, type SrtpSessionKeys } from '../../../../sandbox/media/srtp';
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
