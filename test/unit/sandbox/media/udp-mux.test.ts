import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Message } from 'werift';
import { WebRtcEndpoint } from '../../../../sandbox/media/webrtc-endpoint';
import { bindingRequestTarget, bindMediaSocket, ipLookup, UdpMux } from '../../../../sandbox/media/udp-mux';
import { FRAME_SAMPLES } from '../../../../sandbox/media/g711';
import { loadSandboxConfig } from '../../../../sandbox/config';
import { startSandbox } from '../../../../sandbox/server';

const endpoints: WebRtcEndpoint[] = [];
const muxes: UdpMux[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const endpoint of endpoints.splice(0)) endpoint.close();
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(muxes.splice(0).map((mux) => mux.close()));
});

async function openMux(port = 0): Promise<UdpMux> {
  const mux = await UdpMux.open('127.0.0.1', port);
  muxes.push(mux);
  return mux;
}

/** A sandbox leg on `mux` (offers) and a peer with its own sockets (answers), connected. */
async function leg(mux: UdpMux, name: string) {
  const sandbox = new WebRtcEndpoint(`sandbox-${name}`, { mediaAddress: '127.0.0.1', mux });
  const peer = new WebRtcEndpoint(`peer-${name}`, { mediaAddress: '127.0.0.1' });
  endpoints.push(sandbox, peer);
  const offer = await sandbox.createOffer();
  await sandbox.acceptAnswer(await peer.answerOffer(offer));
  await expect.poll(() => [sandbox.state, peer.state], { timeout: 10_000 }).toEqual(['connected', 'connected']);
  return { sandbox, peer, offer };
}

/** Sends frames filled with `byte` until `count` arrived at `to`; returns what arrived. */
async function carries(from: WebRtcEndpoint, to: WebRtcEndpoint, byte: number, count = 5): Promise<Buffer[]> {
  const heard: Buffer[] = [];
  to.onFrame((payload) => heard.push(Buffer.from(payload)));
  for (let n = 0; n < count * 4 && heard.length < count; n++) {
    from.deliver(Buffer.alloc(FRAME_SAMPLES, byte));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await expect.poll(() => heard.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(count);
  return heard;
}

/** A plain UDP socket on 127.0.0.1 (closed after each test) that keeps the datagrams it receives. */
async function receiver() {
  const socket = createSocket('udp4');
  sockets.push(socket);
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const received: Buffer[] = [];
  socket.on('message', (data) => received.push(data));
  return { socket, port: socket.address().port, received };
}

const candidates = (sdp: string) => sdp.split('\r\n').filter((line) => line.startsWith('a=candidate:'));

describe('bindingRequestTarget', () => {
  it('reads our fragment from a Binding request’s USERNAME (ours first, RFC 8445 §7.2.2)', () => {
    const request = new Message(1, 0).setAttribute('USERNAME', 'ours:theirs').addMessageIntegrity(Buffer.from('password')).addFingerprint();
    expect(bindingRequestTarget(request.bytes)).toBe('ours');
  });

  it('is null for what is not a Binding request naming a fragment', () => {
    const response = new Message(1, 256).setAttribute('USERNAME', 'ours:theirs');
    expect(bindingRequestTarget(response.bytes)).toBeNull();
    expect(bindingRequestTarget(new Message(1, 0).bytes)).toBeNull(); // no USERNAME
    expect(bindingRequestTarget(new Message(1, 0).setAttribute('USERNAME', 'nocolon').bytes)).toBeNull();
    expect(bindingRequestTarget(Buffer.from([0x80, 0x00, 0x00, 0x01, ...Buffer.alloc(168)]))).toBeNull(); // RTP
    const truncated = new Message(1, 0).setAttribute('USERNAME', 'ours:theirs').bytes;
    expect(bindingRequestTarget(truncated.subarray(0, 26))).toBeNull();
    expect(bindingRequestTarget(Buffer.alloc(4))).toBeNull();
  });
});

describe('UdpMux: every leg’s media on one UDP socket', () => {
  it('gives each leg one host candidate, the mux’s port, and carries each call’s own audio both ways', async () => {
    const mux = await openMux();
    const calls = [await leg(mux, 'a'), await leg(mux, 'b'), await leg(mux, 'c')];
    expect(mux.size).toBe(3);
    for (const { sandbox, offer } of calls) {
      expect(candidates(offer)).toHaveLength(1);
      expect(candidates(offer)[0]).toContain(`127.0.0.1 ${mux.port} typ host`);
      expect(sandbox.fastPathActive).toBe(true);
    }
    // Each call's bytes reach its own peer and its own leg, none another's.
    for (const [i, { sandbox, peer }] of calls.entries()) {
      for (const payload of await carries(sandbox, peer, 0x10 + i)) expect(payload.every((b) => b === 0x10 + i)).toBe(true);
      for (const payload of await carries(peer, sandbox, 0x20 + i)) expect(payload.every((b) => b === 0x20 + i)).toBe(true);
    }
  });

  it('tells apart two legs with the same ICE fragment by their passwords', async () => {
    // werift's fragments are 4 hex characters: among 300 legs, two share one about half the time.
    const mux = await openMux();
    const iceOf = (endpoint: WebRtcEndpoint) =>
      (endpoint as unknown as { transceiver: { dtlsTransport: { iceTransport: { connection: { localUsername: string } } } } }).transceiver.dtlsTransport.iceTransport.connection;
    const legs = ['a', 'b'].map((name) => {
      const sandbox = new WebRtcEndpoint(`sandbox-${name}`, { mediaAddress: '127.0.0.1', mux });
      const peer = new WebRtcEndpoint(`peer-${name}`, { mediaAddress: '127.0.0.1' });
      endpoints.push(sandbox, peer);
      return { sandbox, peer };
    });
    iceOf(legs[1]!.sandbox).localUsername = iceOf(legs[0]!.sandbox).localUsername;
    for (const { sandbox, peer } of legs) await sandbox.acceptAnswer(await peer.answerOffer(await sandbox.createOffer()));
    await expect.poll(() => legs.flatMap(({ sandbox, peer }) => [sandbox.state, peer.state]), { timeout: 10_000 }).toEqual(Array(4).fill('connected'));
    for (const [i, { sandbox, peer }] of legs.entries()) {
      expect((await carries(peer, sandbox, 0x50 + i)).every((p) => p[0] === 0x50 + i)).toBe(true);
      expect((await carries(sandbox, peer, 0x60 + i)).every((p) => p[0] === 0x60 + i)).toBe(true);
    }
  });

  it('keeps the other calls going when one hangs up, and takes a new call after', async () => {
    const mux = await openMux();
    const first = await leg(mux, 'first');
    const second = await leg(mux, 'second');
    first.sandbox.close();
    first.peer.close();
    await expect.poll(() => mux.size).toBe(1);
    expect((await carries(second.peer, second.sandbox, 0x31)).length).toBeGreaterThanOrEqual(5);
    const third = await leg(mux, 'third');
    expect(mux.size).toBe(2);
    expect((await carries(third.sandbox, third.peer, 0x32)).every((p) => p[0] === 0x32)).toBe(true);
    expect((await carries(second.sandbox, second.peer, 0x33)).every((p) => p[0] === 0x33)).toBe(true);
  });

  it('drops datagrams from an unknown address that name none of its legs, and the calls go on', async () => {
    const mux = await openMux();
    const call = await leg(mux, 'a');
    const { socket: stranger, received: answers } = await receiver();
    const strangers = [
      Buffer.from([0x80, 0x00, 0x00, 0x01, ...Buffer.alloc(168)]), // RTP
      new Message(1, 0).setAttribute('USERNAME', 'nobody:x').addFingerprint().bytes, // a check for no leg of ours
      Buffer.from('not a packet'),
    ];
    // The leg's own fragment, but not signed with its password.
    const ufrag = /a=ice-ufrag:(\S+)/.exec(call.offer)![1]!;
    const password = /a=ice-pwd:(\S+)/.exec(call.offer)![1]!;
    strangers.push(new Message(1, 0).setAttribute('USERNAME', `${ufrag}:x`).addMessageIntegrity(Buffer.from('not the password')).addFingerprint().bytes);
    for (const data of strangers) stranger.send(data, mux.port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answers).toEqual([]); // no leg answered, none bound the stranger's address
    expect((await carries(call.peer, call.sandbox, 0x41)).length).toBeGreaterThanOrEqual(5);
    // Signed with the leg's password, a check from a new address reaches the leg, and werift answers it.
    const check = new Message(1, 0).setAttribute('USERNAME', `${ufrag}:x`).setAttribute('ICE-CONTROLLED', 1n).setAttribute('PRIORITY', 1).addMessageIntegrity(Buffer.from(password)).addFingerprint();
    stranger.send(check.bytes, mux.port, '127.0.0.1');
    await expect.poll(() => answers.length).toBeGreaterThan(0);
    expect(answers[0]!.readUInt16BE(0)).toBe(0x0101); // Binding success response
  });

  it('leaves a leg to its own sockets when werift has already gathered (nothing changed)', async () => {
    const mux = await openMux();
    expect(mux.attach(undefined)).toBeNull();
    expect(mux.attach({ localUsername: 'x' })).toBeNull();
    const plain = new WebRtcEndpoint('plain', { mediaAddress: '127.0.0.1' });
    const peer = new WebRtcEndpoint('peer', { mediaAddress: '127.0.0.1' });
    endpoints.push(plain, peer);
    await plain.acceptAnswer(await peer.answerOffer(await plain.createOffer()));
    const connection = (plain as unknown as { transceiver: { dtlsTransport: { iceTransport: { connection: unknown } } } }).transceiver.dtlsTransport.iceTransport.connection;
    expect(mux.attach(connection)).toBeNull();
    expect(mux.size).toBe(0);
  });

  it('says which address and port it could not bind', async () => {
    const mux = await openMux();
    await expect(UdpMux.open('127.0.0.1', mux.port)).rejects.toThrow(`the media socket could not bind 127.0.0.1:${mux.port}`);
  });

  it('hands a later socket error (a send whose hostname did not resolve) to its owner, and the calls go on', async () => {
    const errors: Error[] = [];
    const mux = await UdpMux.open('127.0.0.1', 0, (error) => errors.push(error));
    muxes.push(mux);
    const call = await leg(mux, 'a');
    mux.socket.emit('error', new Error('getaddrinfo ENOTFOUND peer.invalid'));
    expect(errors.map((error) => error.message)).toEqual(['getaddrinfo ENOTFOUND peer.invalid']);
    expect((await carries(call.peer, call.sandbox, 0x71)).length).toBeGreaterThanOrEqual(5);
  });

  it('closes its socket once: the legs’ transports then send nothing', async () => {
    const mux = await openMux();
    const call = await leg(mux, 'a');
    await mux.close();
    await mux.close();
    expect(() => call.sandbox.deliver(Buffer.alloc(FRAME_SAMPLES, 1))).not.toThrow();
  });

  it('is the sandbox’s: SANDBOX_MEDIA_PORT fixes its port, and a taken one fails the start with its name', async () => {
    expect(loadSandboxConfig({}).mediaPort).toBe(0);
    expect(loadSandboxConfig({ SANDBOX_MEDIA_PORT: '40000' }).mediaPort).toBe(40000);
    expect(() => loadSandboxConfig({ SANDBOX_MEDIA_PORT: '70000' })).toThrow(/SANDBOX_MEDIA_PORT/);
    const taken = await openMux();
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-mux-'));
    try {
      const config = { port: 0, host: '127.0.0.1', dataDir, mediaAddress: '127.0.0.1', verbose: false };
      await expect(startSandbox({ ...config, mediaPort: taken.port })).rejects.toThrow(`could not bind 127.0.0.1:${taken.port}`);
      // Free again, the port is the sandbox's; its health names it.
      const port = taken.port;
      await taken.close();
      const sandbox = await startSandbox({ ...config, mediaPort: port });
      try {
        const health = (await (await fetch(`${sandbox.url}/sandbox/v1/health`)).json()) as { media_address: string; media_port: number };
        expect(health).toMatchObject({ media_address: '127.0.0.1', media_port: port });
      } finally {
        await sandbox.close();
      }
      // Closed, it gives the port back: a sandbox started again binds it.
      const again = await startSandbox({ ...config, mediaPort: port });
      await again.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('ipLookup: a media socket sends before send returns', () => {
  it('answers an IP address at once, and a hostname through dns.lookup', async () => {
    const answers: Array<[string, number]> = [];
    ipLookup('127.0.0.1', { family: 4 }, (error, address, family) => {
      expect(error).toBeNull();
      answers.push([address, family]);
    });
    // Called back before ipLookup returned: no tick in between.
    expect(answers).toEqual([['127.0.0.1', 4]]);
    const resolved = await new Promise<[string, number]>((resolve, reject) =>
      ipLookup('localhost', { family: 4 }, (error, address, family) => (error ? reject(error) : resolve([address, family]))),
    );
    expect(resolved).toEqual(['127.0.0.1', 4]);
  });

  it('hands the mux’s datagram to the kernel inside send: closed right after, it still arrives', async () => {
    const to = await receiver();
    const mux = await UdpMux.open('127.0.0.1');
    mux.socket.send(Buffer.from('sent before close'), to.port, '127.0.0.1');
    await mux.close();
    await expect.poll(() => to.received.map(String)).toEqual(['sent before close']);
  });

  it('still sends to a hostname, resolved first', async () => {
    const to = await receiver();
    const socket = await bindMediaSocket('127.0.0.1');
    sockets.push(socket);
    socket.send(Buffer.from('to localhost'), to.port, 'localhost');
    await expect.poll(() => to.received.map(String)).toEqual(['to localhost']);
  });
});
