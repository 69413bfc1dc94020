import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { keyLength, ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RTCPeerConnection, RTCRtpCodecParameters, RtcpSourceDescriptionPacket, RtcpSrPacket, RtpHeader, saltLength, SrtpSession } from 'werift';
import { IceGatheringTimeout, WebRtcEndpoint } from '../../../../sandbox/media/webrtc-endpoint';
import { RtpFastPath, useKeyObjects } from '../../../../sandbox/media/srtp-path';
import { compactNtp, type RtcpReports } from '../../../../sandbox/media/rtcp-reports';
import { FRAME_SAMPLES } from '../../../../sandbox/media/g711';

const open: WebRtcEndpoint[] = [];
afterEach(() => {
  for (const endpoint of open.splice(0)) endpoint.close();
});

/** A sandbox leg (offers) and a peer (answers) over loopback, both connected. */
async function pair(peerFastPath: boolean, rtcpIntervalMs?: number) {
  const rtcp = rtcpIntervalMs === undefined ? {} : { rtcpIntervalMs };
  const sandbox = new WebRtcEndpoint('sandbox', { mediaAddress: '127.0.0.1', ...rtcp });
  const peer = new WebRtcEndpoint('peer', { mediaAddress: '127.0.0.1', fastPath: peerFastPath, ...rtcp });
  open.push(sandbox, peer);
  await sandbox.acceptAnswer(await peer.answerOffer(await sandbox.createOffer()));
  await expect.poll(() => [sandbox.state, peer.state], { timeout: 10_000 }).toEqual(['connected', 'connected']);
  return { sandbox, peer };
}

/** A distinct, recognisable frame. */
const frame = (n: number) => Buffer.alloc(FRAME_SAMPLES, n & 0x7f);

/** Sends frames one way until `count` distinct ones arrived (UDP may drop the first while DTLS settles). */
async function carries(from: WebRtcEndpoint, to: WebRtcEndpoint, count: number): Promise<Buffer[]> {
  const heard: Buffer[] = [];
  to.onFrame((payload) => heard.push(Buffer.from(payload)));
  for (let n = 1; n <= count * 4 && heard.length < count; n++) {
    from.deliver(frame(n));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await expect.poll(() => heard.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(count);
  return heard;
}

describe('WebRtcEndpoint RTP fast path', () => {
  it('carries G.711 both ways between two fast-path legs, bytes intact, on the fast path', async () => {
    const { sandbox, peer } = await pair(true);
    expect(sandbox.fastPathActive).toBe(true);
    expect(peer.fastPathActive).toBe(true);
    // werift's DTLS keys were taken over by the hand-written SRTP (srtp.ts), not left to werift's session.
    expect((sandbox as unknown as { fastPath: RtpFastPath }).fastPath.handWrittenSrtp).toBe(true);
    const atPeer = await carries(sandbox, peer, 5);
    const atSandbox = await carries(peer, sandbox, 5);
    for (const payload of [...atPeer, ...atSandbox]) {
      expect(payload.length).toBe(FRAME_SAMPLES);
      expect(payload.every((byte) => byte === payload[0])).toBe(true);
    }
    expect(sandbox.counters().packets_received).toBeGreaterThanOrEqual(5);
    expect(peer.counters().packets_received).toBeGreaterThanOrEqual(5);
  });

  it('interoperates with werift’s whole pipeline on the other side (the wire format is the same)', async () => {
    const { sandbox, peer } = await pair(false);
    expect(sandbox.fastPathActive).toBe(true);
    expect(peer.fastPathActive).toBe(false);
    const atPeer = await carries(sandbox, peer, 5);
    const atSandbox = await carries(peer, sandbox, 5);
    // Consecutive sends arrive in order with their own bytes.
    expect(atPeer.map((p) => p[0]).every((v, i, all) => i === 0 || v! > all[i - 1]!)).toBe(true);
    expect(atSandbox.length).toBeGreaterThanOrEqual(5);
  });

  it('receives on whichever local candidate the peer chose, not only the nominated pair’s socket', async () => {
    // A plain werift peer advertising every address it has, answering the sandbox's offer, as the bench's agents do.
    const sandbox = new WebRtcEndpoint('sandbox', { mediaAddress: '127.0.0.1' });
    open.push(sandbox);
    const pc = new RTCPeerConnection({ codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })] }, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: await sandbox.createOffer() });
      const transceiver = pc.getTransceivers()[0]!;
      transceiver.setDirection('sendrecv');
      let heard = 0;
      let rtp: RtpFastPath | null = null;
      pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') rtp = RtpFastPath.attach(transceiver.dtlsTransport, transceiver.sender.ssrc, () => heard++);
      });
      await pc.setLocalDescription(await pc.createAnswer());
      await expect.poll(() => pc.iceGatheringState, { timeout: 10_000 }).toBe('complete');
      await sandbox.acceptAnswer(pc.localDescription!.sdp);
      await expect.poll(() => rtp !== null && sandbox.fastPathActive, { timeout: 10_000 }).toBe(true);
      // werift as shipped lists AEAD_AES_128_GCM first (as browsers do); the sandbox, DTLS server here, picks AES-CM, its cheaper profile.
      expect(sandbox.srtpProfile).toBe(ProtectionProfileAes128CmHmacSha1_80);
      expect((rtp as RtpFastPath | null)?.handWrittenSrtp).toBe(true);
      const atSandbox: Buffer[] = [];
      sandbox.onFrame((payload) => atSandbox.push(payload));
      for (let n = 0; n < 20; n++) {
        sandbox.deliver(frame(n));
        (rtp as RtpFastPath | null)?.send(frame(n), n, n * FRAME_SAMPLES);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await expect.poll(() => [heard >= 10, atSandbox.length >= 10], { timeout: 5_000 }).toEqual([true, true]);
    } finally {
      await pc.close();
    }
  });

  it('stops delivering after close, and a second pair works after the first closed', async () => {
    const first = await pair(true);
    const heard: Buffer[] = [];
    first.peer.onFrame((payload) => heard.push(payload));
    first.sandbox.close();
    first.sandbox.deliver(frame(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toEqual([]);
    const second = await pair(true);
    expect((await carries(second.sandbox, second.peer, 3)).length).toBeGreaterThanOrEqual(3);
  });

  it('hands the rollover counter to werift when its pipeline takes over after a sequence-number wrap', async () => {
    const { sandbox, peer } = await pair(true);
    const internals = sandbox as unknown as { sequence: number; fastPath: RtpFastPath };
    internals.sequence = 0xfffc;
    await carries(sandbox, peer, 6); // across the wrap, on the fast path: the ROC is now 1
    expect(internals.sequence).toBeLessThan(0x100);
    internals.fastPath.detach(); // werift's RTCRtpSender sends from here on, with werift's SRTP context
    const after = await carries(sandbox, peer, 3);
    expect(after.length).toBeGreaterThanOrEqual(3);
  });

  it('after the nominated pair changes, hands the rollover counter to werift once and then leaves werift its own', async () => {
    const { sandbox, peer } = await pair(true);
    const internals = sandbox as unknown as { sequence: number; fastPath: RtpFastPath; transceiver: { dtlsTransport: { srtp: { localContext: { srtpSSRCStates: Record<number, { rolloverCounter: number; lastSequenceNumber: number }> } } }; sender: { ssrc: number } } };
    internals.sequence = 0xfffc;
    await carries(sandbox, peer, 6); // across a wrap on the fast path: ROC 1
    // The ICE agent nominated another pair: the fast path refuses and werift's pipeline sends.
    (internals.fastPath as unknown as { pair: unknown }).pair = {};
    expect((await carries(sandbox, peer, 3)).length).toBeGreaterThanOrEqual(3);
    const states = internals.transceiver.dtlsTransport.srtp.localContext.srtpSSRCStates;
    const ssrc = internals.transceiver.sender.ssrc;
    expect(states[ssrc]?.rolloverCounter).toBe(1);
    // werift's own state moves on (here: as it would 22 minutes later, at its next wrap) …
    states[ssrc] = { ...states[ssrc]!, rolloverCounter: 2, lastSequenceNumber: 3 };
    sandbox.deliver(frame(1));
    // … and the fast path's stale counter does not overwrite it on the next frame.
    expect(states[ssrc]).toMatchObject({ rolloverCounter: 2 });
  });

  it('takes the place of werift’s listener on its UDP sockets while attached, and gives it back on detach', async () => {
    const { sandbox, peer } = await pair(true);
    const internals = sandbox as unknown as { fastPath: RtpFastPath; transceiver: { dtlsTransport: { iceTransport: { connection: { protocols: Array<{ transport: { socket: Socket } }> } } } } };
    const sockets = internals.transceiver.dtlsTransport.iceTransport.connection.protocols.map((protocol) => protocol.transport.socket);
    const attached = sockets.map((socket) => socket.listeners('message'));
    expect(attached.every((listeners) => listeners.length === 1)).toBe(true);
    expect((await carries(peer, sandbox, 3)).length).toBeGreaterThanOrEqual(3);
    internals.fastPath.detach();
    const detached = sockets.map((socket) => socket.listeners('message'));
    expect(detached.every((listeners) => listeners.length === 1)).toBe(true);
    detached.forEach((listeners, i) => expect(listeners[0]).not.toBe(attached[i]![0]));
    // werift's own pipeline receives again.
    expect((await carries(peer, sandbox, 3)).length).toBeGreaterThanOrEqual(3);
  });

  it('refuses to attach to anything that is not a connected werift DTLS transport', () => {
    expect(RtpFastPath.attach(undefined, 1, () => undefined)).toBeNull();
    expect(RtpFastPath.attach({ state: 'connected' }, 1, () => undefined)).toBeNull();
    expect(RtpFastPath.attach({ state: 'new', srtp: { encrypt() {}, decrypt() {} } }, 1, () => undefined)).toBeNull();
  });
});

/** A leg's werift objects the RTCP tests read. */
type LegInternals = {
  pc: { cname: string };
  rtcp: RtcpReports | null;
  transceiver: {
    sender: { ssrc: number };
    dtlsTransport: { packetsSent: number; packetsReceived: number; srtcp: { localContext: { getSrtcpSsrcState(ssrc: number): { srtcpIndex: number } } }; onRtcp: { subscribe(listener: (rtcp: unknown) => void): { unSubscribe(): void } } };
  };
};
const internals = (endpoint: WebRtcEndpoint) => endpoint as unknown as LegInternals;

/** Both legs send a frame every 20 ms, as legs in a conversation do (reports ride with RTP), until the returned stop. */
function talking(...legs: WebRtcEndpoint[]): () => void {
  const timer = setInterval(() => {
    for (const leg of legs) leg.deliver(frame(1));
  }, 20);
  return () => clearInterval(timer);
}

/** Every RTCP packet a fast-path leg sends, as its reports build them (before SRTCP). */
function reportsSent(endpoint: WebRtcEndpoint): unknown[] {
  const sent: unknown[] = [];
  const reports = internals(endpoint).rtcp!;
  const build = reports.report.bind(reports);
  reports.report = () => {
    const compound = build();
    sent.push(...compound);
    return compound;
  };
  return sent;
}

/** Every RTCP packet that reaches `endpoint` through werift's transport (a leg on werift's pipeline), as werift parsed it. */
function rtcpAt(endpoint: WebRtcEndpoint): unknown[] {
  const seen: unknown[] = [];
  internals(endpoint).transceiver.dtlsTransport.onRtcp.subscribe((rtcp) => seen.push(rtcp));
  return seen;
}

describe('RTCP reports of a fast-path leg', () => {
  it('reports what it sent and heard: an SR with a report block on the peer’s stream and the SDES CNAME the SDP named, LSR echoing the peer’s SR', async () => {
    // Both legs on the fast path: each protects its reports and reads the other's with srtp.ts's SRTCP.
    const { sandbox, peer } = await pair(true, 100);
    const sentBySandbox = reportsSent(sandbox);
    const sentByPeer = reportsSent(peer);
    const ours = internals(sandbox).transceiver.sender.ssrc;
    const theirs = internals(peer).transceiver.sender.ssrc;
    await carries(sandbox, peer, 10);
    await carries(peer, sandbox, 10);
    const stop = talking(sandbox, peer);
    const srs = () => sentBySandbox.filter((rtcp): rtcp is RtcpSrPacket => rtcp instanceof RtcpSrPacket && rtcp.ssrc === ours);
    // A report block that echoes an SR of the peer's (one sent after the peer's audio began).
    const echoing = () => srs().find((sr) => sr.reports.some((block) => block.ssrc === theirs && block.lsr !== 0));
    try {
      await expect.poll(() => echoing() !== undefined, { timeout: 5_000 }).toBe(true);
      // The peer read the sandbox's SRs too: its last one is one the sandbox sent.
      await expect.poll(() => srs().map((sr) => compactNtp(sr.senderInfo.ntpTimestamp)).includes(internals(peer).rtcp!.lastPeerSr), { timeout: 5_000 }).toBe(true);
    } finally {
      stop();
    }
    const sr = echoing()!;
    expect(sr.senderInfo.packetCount).toBeGreaterThanOrEqual(10);
    expect(sr.senderInfo.octetCount).toBe(sr.senderInfo.packetCount * FRAME_SAMPLES);
    const block = sr.reports.find((report) => report.ssrc === theirs)!;
    expect(block.highestSequence).toBeGreaterThan(0);
    expect(block.dlsr / 65536).toBeLessThan(3);
    const peerSrs = sentByPeer.filter((rtcp): rtcp is RtcpSrPacket => rtcp instanceof RtcpSrPacket && rtcp.ssrc === theirs);
    expect(peerSrs.map((peerSr) => compactNtp(peerSr.senderInfo.ntpTimestamp))).toContain(block.lsr);
    expect(internals(sandbox).rtcp!.senderReportsReceived).toBeGreaterThan(0);
    const sdes = sentBySandbox.find((rtcp): rtcp is RtcpSourceDescriptionPacket => rtcp instanceof RtcpSourceDescriptionPacket && rtcp.chunks[0]?.source === ours);
    expect(sdes?.chunks[0]?.items[0]?.text).toBe(internals(sandbox).pc.cname);
    // Neither leg's RTCP went through werift's transport: no SRTCP of werift's, no werift parse.
    for (const leg of [sandbox, peer]) {
      expect(internals(leg).transceiver.dtlsTransport.packetsSent).toBe(0);
      expect(internals(leg).transceiver.dtlsTransport.packetsReceived).toBe(0);
    }
  });

  it('interoperates with werift’s whole pipeline on the other side: its receiver takes the SRs (SRTCP, counts, NTP time)', async () => {
    const { sandbox, peer } = await pair(false, 100);
    const ours = internals(sandbox).transceiver.sender.ssrc;
    const atPeer = rtcpAt(peer);
    await carries(sandbox, peer, 10);
    const stop = talking(sandbox, peer);
    const receiver = () =>
      (internals(peer).transceiver as unknown as { receiver: { senderReportsReceivedBySsrc: Record<number, number>; remotePacketCountBySsrc: Record<number, number>; remoteOctetCountBySsrc: Record<number, number> } }).receiver;
    try {
      await expect.poll(() => receiver().remotePacketCountBySsrc[ours] ?? 0, { timeout: 5_000 }).toBeGreaterThanOrEqual(20);
    } finally {
      stop();
    }
    expect(receiver().senderReportsReceivedBySsrc[ours]).toBeGreaterThanOrEqual(2);
    const packets = receiver().remotePacketCountBySsrc[ours]!;
    expect(receiver().remoteOctetCountBySsrc[ours]).toBe(packets * FRAME_SAMPLES);
    // The SR's NTP time is the wall clock: seconds since 1900. (werift's own reading of it,
    // `remoteTimestampsBySsrc`, takes the 32-bit fraction for milliseconds, so it is not used.)
    const sr = atPeer.find((rtcp): rtcp is RtcpSrPacket => rtcp instanceof RtcpSrPacket && rtcp.ssrc === ours)!;
    expect(Math.abs(Number(sr.senderInfo.ntpTimestamp >> 32n) - 2_208_988_800 - Date.now() / 1000)).toBeLessThan(5);
    // The CNAME the SDP named, as it arrived.
    const sdes = atPeer.find((rtcp): rtcp is RtcpSourceDescriptionPacket => rtcp instanceof RtcpSourceDescriptionPacket && rtcp.chunks[0]?.source === ours);
    expect(sdes?.chunks[0]?.items[0]?.text).toBe(internals(sandbox).pc.cname);
    // The other way: werift's own SRs (its report loop runs from its pipeline's RTP, its SRTCP) are read by the sandbox's path.
    const weriftSender = internals(peer).transceiver.sender as unknown as { lastSRtimestamp?: number };
    await expect.poll(() => internals(sandbox).rtcp!.senderReportsReceived, { timeout: 5_000 }).toBeGreaterThan(0);
    // Its NTP time read as werift wrote it (werift keeps the middle 32 bits of its last SR's; it sends one every 0.5–1.5 s).
    await expect.poll(() => internals(sandbox).rtcp!.lastPeerSr === weriftSender.lastSRtimestamp, { timeout: 5_000 }).toBe(true);
    expect(internals(sandbox).rtcp!.lastPeerSr).not.toBe(0);
  });


  it('reports only with its own RTP: none while it is silent (no timer of its own), none from a detached path', async () => {
    // The peer on werift's pipeline, whose transport parses every RTCP packet that arrives.
    const { sandbox, peer } = await pair(false, 50);
    const atPeer = rtcpAt(peer);
    const stop = talking(sandbox);
    try {
      await expect.poll(() => atPeer.length, { timeout: 5_000 }).toBeGreaterThan(0);
    } finally {
      stop();
    }
    // Once what was in flight has arrived (the count holds for 200 ms), a silent leg sends no
    // more: a timer a leg would have sent one every ~50 ms.
    let settled = -1;
    await expect
      .poll(async () => {
        const before = atPeer.length;
        await new Promise((resolve) => setTimeout(resolve, 200));
        settled = atPeer.length;
        return settled === before;
      }, { timeout: 10_000 })
      .toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500)); // ten intervals
    expect(atPeer.length).toBe(settled);
    // A path that was detached sends nothing more, however often it is asked to.
    const path = (sandbox as unknown as { fastPath: RtpFastPath }).fastPath;
    path.detach();
    for (let n = 0; n < 20; n++) expect(path.send(frame(n), n, n * FRAME_SAMPLES)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(atPeer.length).toBe(settled);
  });

  it('goes on counting when the leg attaches a path again (after a reconnect), and leaves reports to werift once its own loop runs', async () => {
    const { sandbox, peer } = await pair(false, 100);
    const atPeer = rtcpAt(peer);
    const ours = internals(sandbox).transceiver.sender.ssrc;
    const srCounts = () => atPeer.filter((rtcp): rtcp is RtcpSrPacket => rtcp instanceof RtcpSrPacket && rtcp.ssrc === ours).map((sr) => sr.senderInfo.packetCount);
    let stop = talking(sandbox);
    await expect.poll(() => srCounts().length, { timeout: 5_000 }).toBeGreaterThan(0);
    stop();
    const before = Math.max(...srCounts());
    // The SRTCP index the leg's reports used: werift's own counter for the SSRC, which a new path must go on from.
    const rtcpIndex = () => internals(sandbox).transceiver.dtlsTransport.srtcp.localContext.getSrtcpSsrcState(ours).srtcpIndex;
    const indexBefore = rtcpIndex();
    expect(indexBefore).toBeGreaterThan(0);
    // A new 'connected' (an ICE reconnect) attaches a new path for the same leg.
    const endpoint = sandbox as unknown as { fastPath: RtpFastPath | null; rtcpReports(): unknown; transceiver: { dtlsTransport: unknown; sender: { ssrc: number } } };
    endpoint.fastPath!.detach();
    endpoint.fastPath = RtpFastPath.attach(endpoint.transceiver.dtlsTransport, ours, () => undefined, {}, endpoint.rtcpReports() as false);
    const seen = srCounts().length;
    stop = talking(sandbox);
    try {
      await expect.poll(() => srCounts().length, { timeout: 5_000 }).toBeGreaterThan(seen);
    } finally {
      stop();
    }
    // The counts carried on from the first path's, never back to 0, and so did the SRTCP index.
    expect(srCounts().at(-1)).toBeGreaterThan(before);
    expect(rtcpIndex()).toBeGreaterThan(indexBefore);
    expect(srCounts().filter((count, i, all) => i > 0 && count < all[i - 1]!)).toEqual([]);
    // Once werift's own loop runs (it started from its pipeline's RTP), a path sends no reports of its own.
    (internals(sandbox).transceiver.sender as unknown as { rtcpRunning: boolean }).rtcpRunning = true;
    expect(endpoint.rtcpReports()).toBe(false);
  });


});

describe('ICE gathering', () => {
  /** An endpoint whose werift connection never gathers (a stand-in for a gathering that hangs). */
  function neverGathers(iceGatheringTimeoutMs: number): WebRtcEndpoint {
    const endpoint = new WebRtcEndpoint('stuck', { mediaAddress: '127.0.0.1', iceGatheringTimeoutMs });
    open.push(endpoint);
    const pc = (endpoint as unknown as { pc: RTCPeerConnection }).pc;
    pc.setLocalDescription = (async () => undefined) as unknown as RTCPeerConnection['setLocalDescription'];
    return endpoint;
  }

  it('fails an offer whose gathering outlasts the limit, with an error that says so, instead of waiting for ever', async () => {
    const started = Date.now();
    const offer = neverGathers(200).createOffer();
    await expect(offer).rejects.toBeInstanceOf(IceGatheringTimeout);
    await expect(offer).rejects.toThrow('ICE gathering did not complete within 0.2 s');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails an answer the same way, and the next endpoint still connects', async () => {
    const offerer = new WebRtcEndpoint('offerer', { mediaAddress: '127.0.0.1' });
    open.push(offerer);
    const offer = await offerer.createOffer();
    await expect(neverGathers(200).answerOffer(offer)).rejects.toThrow('ICE gathering did not complete within 0.2 s');
    const answerer = new WebRtcEndpoint('answerer', { mediaAddress: '127.0.0.1' });
    open.push(answerer);
    await offerer.acceptAnswer(await answerer.answerOffer(offer));
    await expect.poll(() => [offerer.state, answerer.state], { timeout: 10_000 }).toEqual(['connected', 'connected']);
  });
});

describe('useKeyObjects', () => {
  for (const [name, profile] of [
    ['AES_CM_128_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80],
    ['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm],
  ] as const) {
    it(`keeps ${name} packets identical to werift’s own, both ways`, () => {
      const a = { key: randomBytes(keyLength(profile)), salt: randomBytes(saltLength(profile)) };
      const b = { key: randomBytes(keyLength(profile)), salt: randomBytes(saltLength(profile)) };
      const session = () => new SrtpSession({ keys: { localMasterKey: a.key, localMasterSalt: a.salt, remoteMasterKey: b.key, remoteMasterSalt: b.salt }, profile });
      const far = () => new SrtpSession({ keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt }, profile });
      const plain = session();
      const fast = session();
      expect(useKeyObjects(fast)).toBe(profile === ProtectionProfileAeadAes128Gcm ? 4 : 8);
      expect(useKeyObjects(fast)).toBe(0); // already converted
      const payload = randomBytes(FRAME_SAMPLES);
      const header = () => new RtpHeader({ payloadType: 0, ssrc: 42, sequenceNumber: 7, timestamp: 1234 });
      const packet = fast.encrypt(payload, header());
      expect(packet.equals(plain.encrypt(payload, header()))).toBe(true);
      expect(far().decrypt(packet).subarray(12).equals(payload)).toBe(true);
      // And the other way: werift's packet decrypted with KeyObject keys; a tampered one refused.
      const fromFar = far().encrypt(payload, header());
      expect(fast.decrypt(fromFar).subarray(12).equals(payload)).toBe(true);
      const tampered = Buffer.from(fromFar);
      tampered[20] = tampered[20]! ^ 1;
      expect(() => session().decrypt(tampered)).toThrow();
    });
  }
});
