import { createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Connection, Message, parseMessage } from 'werift';
import { fromWeriftAttributes, readStun, StunAttribute, writeStun, xorMappedAddressV4 } from '../../../../sandbox/media/stun';

const password = 'a-peer-password-of-22ch';
const key = createSecretKey(Buffer.from(password, 'utf8'));
const transactionId = Buffer.from('0102030405060708090a0b0c', 'hex');

/** werift's own bytes for the same message (its `Message` writes MESSAGE-INTEGRITY with a Buffer key as werift does). */
function weriftBytes(message: Message): Buffer {
  return message.addMessageIntegrity(Buffer.from(password, 'utf8')).addFingerprint().bytes;
}

describe('stun.ts: the consent checks and answers, byte for byte as werift writes them', () => {
  for (const [role, value] of [
    ['ICE-CONTROLLING', 0x0123456789abcdefn],
    ['ICE-CONTROLLED', 0xfedcba9876543210n],
  ] as const) {
    for (const nominate of [false, true]) {
      it(`a Binding request with USERNAME (odd length: padded), PRIORITY, ${role}${nominate ? ', USE-CANDIDATE' : ''}`, () => {
        const request = new Message(1, 0, transactionId);
        request.setAttribute('USERNAME', 'abcd:efg').setAttribute('PRIORITY', 1853824767).setAttribute(role, value);
        if (nominate) request.setAttribute('USE-CANDIDATE', null);
        const attributes = fromWeriftAttributes(request.getAttributes());
        expect(attributes).not.toBeNull();
        const ours = writeStun(0x0001, transactionId, attributes!, key);
        expect(ours.toString('hex')).toBe(weriftBytes(request).toString('hex'));
        // werift's parser reads it back and verifies its MESSAGE-INTEGRITY and FINGERPRINT.
        const parsed = parseMessage(ours, Buffer.from(password, 'utf8'));
        expect(parsed?.getAttributeValue('USERNAME')).toBe('abcd:efg');
        expect(parsed?.getAttributeValue(role)).toBe(value);
        expect(parsed?.attributesKeys.includes('USE-CANDIDATE')).toBe(nominate);
      });
    }
  }

  for (const iceControlling of [true, false]) {
    it(`writes every request werift's ICE agent builds (${iceControlling ? 'controlling, nominating' : 'controlled'}) as werift does`, () => {
      // buildRequest is werift's own (private in its types): consent.ts calls it the same way.
      const connection = new Connection(iceControlling, {}) as unknown as { buildRequest(options: object): Message };
      const request = connection.buildRequest({ nominate: iceControlling, localUsername: 'ab12', remoteUsername: 'cd34', iceControlling, localCandidate: undefined });
      const attributes = fromWeriftAttributes(request.getAttributes());
      expect(attributes?.length).toBe(iceControlling ? 4 : 3);
      const ours = writeStun(0x0001, request.transactionId, attributes!, key);
      expect(ours.toString('hex')).toBe(weriftBytes(request).toString('hex'));
    });
  }

  it('a Binding success response with XOR-MAPPED-ADDRESS', () => {
    const response = new Message(1, 0x100, transactionId);
    response.setAttribute('XOR-MAPPED-ADDRESS', ['192.0.2.45', 54321]);
    const mapped = xorMappedAddressV4('192.0.2.45', 54321);
    const ours = writeStun(0x0101, transactionId, [[StunAttribute.XOR_MAPPED_ADDRESS, mapped!]], key);
    expect(ours.toString('hex')).toBe(weriftBytes(response).toString('hex'));
    expect(parseMessage(ours, Buffer.from(password, 'utf8'))?.getAttributeValue('XOR-MAPPED-ADDRESS')).toEqual(['192.0.2.45', 54321]);
  });

  it('a wrong password does not verify what it writes, nor does a damaged byte', () => {
    const ours = writeStun(0x0101, transactionId, [[StunAttribute.XOR_MAPPED_ADDRESS, xorMappedAddressV4('127.0.0.1', 9)!]], key);
    /** Whether werift's parser accepts it (it returns nothing or throws when not). */
    const accepted = (data: Buffer, with_: string) => {
      try {
        return parseMessage(data, Buffer.from(with_, 'utf8')) !== undefined;
      } catch {
        return false;
      }
    };
    expect(accepted(ours, password)).toBe(true);
    expect(accepted(ours, 'another-password')).toBe(false);
    const damaged = Buffer.from(ours);
    damaged[25] = damaged[25]! ^ 0xff;
    expect(accepted(damaged, password)).toBe(false);
  });

  it('leaves to werift what it does not write: IPv6 or bad addresses, other attributes, bad values', () => {
    expect(xorMappedAddressV4('::1', 5000)).toBeNull();
    expect(xorMappedAddressV4('host.example', 5000)).toBeNull();
    expect(xorMappedAddressV4('127.0.0.1', 70000)).toBeNull();
    expect(fromWeriftAttributes([['SOFTWARE', 'x']])).toBeNull();
    expect(fromWeriftAttributes([['PRIORITY', -1]])).toBeNull();
    expect(fromWeriftAttributes([['ICE-CONTROLLING', 5]])).toBeNull();
    expect(fromWeriftAttributes('not a list')).toBeNull();
    // werift's raw attributes (types it does not know) are werift's to write.
    expect(fromWeriftAttributes([['USERNAME', 'a:b']], [{ type: 0x8022, value: Buffer.from('x') }])).toBeNull();
    expect(fromWeriftAttributes([['USERNAME', 'a:b']], [])).toHaveLength(1);
    expect(() => writeStun(0x0001, Buffer.alloc(8), [], key)).toThrow(/12 bytes/);
  });
});

describe('stun.ts: readStun, what consent.ts takes', () => {
  const werift = (build: (message: Message) => void, withKey = true, fingerprint = true) => {
    const message = new Message(1, 0, transactionId);
    build(message);
    if (withKey) message.addMessageIntegrity(Buffer.from(password, 'utf8'));
    if (fingerprint) message.addFingerprint();
    return message.bytes;
  };

  it("reads werift's request: type, transaction, USERNAME and the ICE flags", () => {
    const bytes = werift((m) => m.setAttribute('USERNAME', 'ab12:cd34').setAttribute('PRIORITY', 5).setAttribute('ICE-CONTROLLING', 9n).setAttribute('USE-CANDIDATE', null));
    expect(readStun(bytes, key)).toEqual({ type: 0x0001, transactionId, username: 'ab12:cd34', useCandidate: true, iceControlling: true, iceControlled: false });
    const controlled = readStun(werift((m) => m.setAttribute('ICE-CONTROLLED', 9n)), key);
    expect(controlled).toMatchObject({ username: null, useCandidate: false, iceControlling: false, iceControlled: true });
    // FINGERPRINT is optional; MESSAGE-INTEGRITY is not.
    expect(readStun(werift((m) => m.setAttribute('USERNAME', 'a:b'), true, false), key)?.username).toBe('a:b');
    expect(readStun(werift((m) => m.setAttribute('USERNAME', 'a:b'), false, true), key)).toBeNull();
  });

  it('refuses a wrong password, a damaged byte anywhere, a cut or lengthened datagram, and what is not STUN', () => {
    const bytes = werift((m) => m.setAttribute('USERNAME', 'ab12:cd34').setAttribute('ICE-CONTROLLED', 1n));
    expect(readStun(bytes, createSecretKey(Buffer.from('another-password', 'utf8')))).toBeNull();
    const fingerprintAt = bytes.length - 8;
    for (let i = 2; i < bytes.length; i++) {
      // FINGERPRINT's type: damaged, it is an unknown attribute after MESSAGE-INTEGRITY, ignored (the rest is authenticated).
      if (i === fingerprintAt || i === fingerprintAt + 1) continue;
      const damaged = Buffer.from(bytes);
      damaged[i] = damaged[i]! ^ 0x01;
      expect(readStun(damaged, key), `byte ${i}`).toBeNull();
    }
    expect(readStun(bytes.subarray(0, fingerprintAt), key)).toBeNull(); // the header's length still counts the FINGERPRINT
    expect(readStun(Buffer.concat([bytes, Buffer.alloc(4)]), key)).toBeNull();
    expect(readStun(Buffer.from('80000000', 'hex'), key)).toBeNull();
    const rtp = Buffer.alloc(172);
    rtp[0] = 0x80;
    expect(readStun(rtp, key)).toBeNull();
  });

  it('reads USERNAME before MESSAGE-INTEGRITY only (RFC 5389 §15.4), and the ICE flags wherever they are (werift acts on them there)', () => {
    const message = new Message(1, 0, transactionId);
    message.setAttribute('PRIORITY', 7).addMessageIntegrity(Buffer.from(password, 'utf8'));
    message.setAttribute('USERNAME', 'ab12:cd34').setAttribute('USE-CANDIDATE', null).setAttribute('ICE-CONTROLLING', 3n);
    expect(readStun(message.addFingerprint().bytes, key)).toMatchObject({ username: null, useCandidate: true, iceControlling: true });
  });

  it("refuses, as werift's parser does, a PRIORITY, USE-CANDIDATE, ICE role or XOR-MAPPED-ADDRESS of the wrong size", () => {
    const authenticated = (attributes: Array<[number, Buffer]>) => readStun(writeStun(0x0001, transactionId, attributes, key), key);
    expect(authenticated([[StunAttribute.PRIORITY, Buffer.alloc(4)]])).not.toBeNull();
    expect(authenticated([[StunAttribute.PRIORITY, Buffer.alloc(2)]])).toBeNull();
    expect(authenticated([[StunAttribute.USE_CANDIDATE, Buffer.alloc(4)]])).toBeNull();
    expect(authenticated([[StunAttribute.ICE_CONTROLLED, Buffer.alloc(4)]])).toBeNull();
    expect(authenticated([[StunAttribute.ICE_CONTROLLING, Buffer.alloc(12)]])).toBeNull();
    expect(authenticated([[StunAttribute.XOR_MAPPED_ADDRESS, xorMappedAddressV4('127.0.0.1', 9)!]])).not.toBeNull();
    const family3 = xorMappedAddressV4('127.0.0.1', 9)!;
    family3[1] = 3;
    expect(authenticated([[StunAttribute.XOR_MAPPED_ADDRESS, family3]])).toBeNull();
    expect(authenticated([[StunAttribute.XOR_MAPPED_ADDRESS, Buffer.alloc(20)]])).toBeNull(); // 20 bytes but family 0
  });
});
