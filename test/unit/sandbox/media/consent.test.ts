import { afterEach, describe, expect, it } from 'vitest';
import { Message, parseMessage } from 'werift';
import { ConsentFreshness } from '../../../../sandbox/media/consent';
import { RtpFastPath } from '../../../../sandbox/media/srtp-path';
import { WebRtcEndpoint } from '../../../../sandbox/media/webrtc-endpoint';
import { FRAME_SAMPLES } from '../../../../sandbox/media/g711';

const PASSWORD = 'the-peers-ice-password-22';
const OUR_PASSWORD = 'our-own-ice-password-22x';
/** The nominated pair's remote address: where the peer's datagrams come from. */
const PEER = { address: '127.0.0.1', port: 40000 };

/** A stand-in for werift's ICE connection: what consent.ts reads and calls, and what it did. */
function fakeConnection() {
  const calls = { stopConsentLifecycle: 0, queryConsent: 0, states: [] as string[] };
  const connection = {
    state: 'connected',
    consentFresh: true,
    remotePassword: PASSWORD,
    localPassword: OUR_PASSWORD,
    localUsername: 'ours',
    remoteUsername: 'them',
    iceControlling: true,
    nominated: {
      localCandidate: undefined,
      remoteAddr: [PEER.address, PEER.port] as [string, number],
      consentRequestsSent: 0,
      requestsSent: 0,
      responsesReceived: 0,
      requestsReceived: 0,
      responsesSent: 0,
      incoming: [] as string[],
      noteIncomingRequest(id: string) {
        connection.nominated.incoming.push(id);
        return false;
      },
    },
    stopConsentLifecycle() {
      calls.stopConsentLifecycle++;
      connection.consentFresh = false;
    },
    queryConsent() {
      calls.queryConsent++;
      connection.consentFresh = true;
    },
    setState(state: string) {
      calls.states.push(state);
      connection.state = state;
    },
    buildRequest: ({ localUsername, remoteUsername }: { localUsername: string; remoteUsername: string }) => new Message(1, 0).setAttribute('USERNAME', `${remoteUsername}:${localUsername}`),
  };
  return { connection, calls };
}

/** The peer's answer to a check: a Binding success response, signed with `password`. */
function answer(request: Buffer, password = PASSWORD, messageClass = 0x100): Buffer {
  const parsed = parseMessage(request)!;
  return new Message(1, messageClass, parsed.transactionId).setAttribute('XOR-MAPPED-ADDRESS', ['127.0.0.1', 40000]).addMessageIntegrity(Buffer.from(password, 'utf8')).addFingerprint().bytes;
}

const running: ConsentFreshness[] = [];
afterEach(() => {
  for (const consent of running.splice(0)) consent.stop(false);
});

function start(connection: ReturnType<typeof fakeConnection>['connection'], sent: Buffer[], timing = { intervalMs: 20, timeoutMs: 150 }) {
  const consent = ConsentFreshness.attach(connection, (datagram) => sent.push(datagram), timing);
  if (consent) running.push(consent);
  return consent;
}

describe('ConsentFreshness (RFC 7675 consent for a fast-path leg)', () => {
  it('stops werift’s cycle, sends signed Binding requests on its cadence and keeps consent while they are answered', async () => {
    const { connection, calls } = fakeConnection();
    const sent: Buffer[] = [];
    const consent = start(connection, sent)!;
    expect(consent).not.toBeNull();
    expect(calls.stopConsentLifecycle).toBe(1);
    expect(connection.consentFresh).toBe(true); // fresh until it expires, as werift had it
    // Answer every check for longer than the timeout: consent holds, the connection stays up.
    const until = Date.now() + 400;
    let answered = 0;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      while (answered < sent.length) expect(consent.take(answer(sent[answered++]!), PEER)).toBe(true);
    }
    expect(consent.requestsSent).toBeGreaterThanOrEqual(5);
    expect(consent.responsesReceived).toBe(answered);
    expect(connection.nominated.consentRequestsSent).toBe(consent.requestsSent);
    expect(connection.state).toBe('connected');
    expect(connection.consentFresh).toBe(true);
    // Each request is a Binding request signed with the peer's password (werift's parser checks MESSAGE-INTEGRITY), each with its own transaction.
    for (const request of sent) {
      const parsed = parseMessage(request, Buffer.from(PASSWORD, 'utf8'));
      expect(parsed?.messageMethod).toBe(1);
      expect(parsed?.messageClass).toBe(0);
      expect(parsed?.getAttributeValue('USERNAME')).toBe('them:ours');
    }
    expect(new Set(sent.map((request) => request.subarray(8, 20).toString('hex'))).size).toBe(sent.length);
  });

  it('fails the connection, as werift does, when no check is answered within the timeout', async () => {
    const { connection, calls } = fakeConnection();
    const sent: Buffer[] = [];
    start(connection, sent);
    await expect.poll(() => connection.state, { timeout: 2_000 }).toBe('failed');
    expect(connection.consentFresh).toBe(false);
    expect(calls.states).toEqual(['failed']);
    expect(sent.length).toBeGreaterThan(0);
    // Once failed it sends no more and does not hand werift a cycle on a failed connection.
    const after = sent.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sent.length).toBe(after);
    expect(calls.queryConsent).toBe(0);
  });

  it('does not count a response signed with another password, nor an error response, and leaves unrelated STUN to werift', async () => {
    const { connection } = fakeConnection();
    const sent: Buffer[] = [];
    const consent = start(connection, sent, { intervalMs: 20, timeoutMs: 10_000 })!;
    await expect.poll(() => sent.length, { timeout: 2_000 }).toBeGreaterThan(0);
    const request = sent[sent.length - 1]!;
    // Someone else's transaction: werift's (false), consent not refreshed.
    const other = new Message(1, 0x100).setAttribute('XOR-MAPPED-ADDRESS', ['127.0.0.1', 1]).addMessageIntegrity(Buffer.from(PASSWORD, 'utf8')).addFingerprint().bytes;
    expect(consent.take(other, PEER)).toBe(false);
    // RTP and a request are not responses.
    expect(consent.take(Buffer.alloc(172, 0x80), PEER)).toBe(false);
    expect(consent.take(request, PEER)).toBe(false);
    // Ours, but forged: taken (it answers our transaction) and not counted.
    expect(consent.take(answer(request, 'not-the-password'), PEER)).toBe(true);
    expect(consent.responsesReceived).toBe(0);
    // Ours, an error response: taken, not counted.
    await expect.poll(() => sent[sent.length - 1] !== request, { timeout: 2_000 }).toBe(true);
    expect(consent.take(answer(sent[sent.length - 1]!, PASSWORD, 0x110), PEER)).toBe(true);
    expect(consent.responsesReceived).toBe(0);
  });

  it('answers the peer’s consent checks as werift would, and leaves any other request to werift', () => {
    const { connection } = fakeConnection();
    const sent: Buffer[] = [];
    const consent = start(connection, sent, { intervalMs: 60_000, timeoutMs: 120_000 })!;
    /** The peer's check: to our fragment, signed with our password; the peer is controlled, as we control. */
    const check = (options: { password?: string; username?: string; extra?: [Parameters<Message['setAttribute']>[0], unknown] } = {}) => {
      const message = new Message(1, 0).setAttribute('USERNAME', options.username ?? 'ours:them').setAttribute('PRIORITY', 1853824767).setAttribute('ICE-CONTROLLED', 42n);
      if (options.extra) message.setAttribute(options.extra[0], options.extra[1]);
      return message.addMessageIntegrity(Buffer.from(options.password ?? OUR_PASSWORD, 'utf8')).addFingerprint().bytes;
    };
    const request = check();
    expect(consent.take(request, PEER)).toBe(true);
    expect(sent).toHaveLength(1);
    // A success response to the same transaction, signed with our password, fingerprinted, telling the peer its address.
    const response = parseMessage(sent[0]!, Buffer.from(OUR_PASSWORD, 'utf8'));
    expect(response).toBeDefined();
    expect([response!.messageMethod, response!.messageClass]).toEqual([1, 0x100]);
    expect(response!.transactionId.equals(request.subarray(8, 20))).toBe(true);
    expect(response!.getAttributeValue('XOR-MAPPED-ADDRESS')).toEqual([PEER.address, PEER.port]);
    expect(response!.attributesKeys).toContain('FINGERPRINT');
    expect(consent.requestsAnswered).toBe(1);
    expect([connection.nominated.requestsReceived, connection.nominated.responsesSent]).toEqual([1, 1]);
    expect(connection.nominated.incoming).toEqual([request.subarray(8, 20).toString('hex')]);
    // Left to werift, unanswered here: another sender, a wrong password, another fragment, a nomination, a role conflict.
    expect(consent.take(check(), { address: '127.0.0.1', port: 40001 })).toBe(false);
    expect(consent.take(check({ password: 'not-our-password' }), PEER)).toBe(false);
    expect(consent.take(check({ username: 'other:them' }), PEER)).toBe(false);
    expect(consent.take(check({ extra: ['USE-CANDIDATE', null] }), PEER)).toBe(false);
    const conflict = new Message(1, 0).setAttribute('USERNAME', 'ours:them').setAttribute('ICE-CONTROLLING', 7n).addMessageIntegrity(Buffer.from(OUR_PASSWORD, 'utf8')).addFingerprint().bytes;
    expect(consent.take(conflict, PEER)).toBe(false);
    // A check that fails its FINGERPRINT (a flipped bit in the last byte) is not answered either.
    const damaged = Buffer.from(check());
    damaged[damaged.length - 1]! ^= 1;
    expect(consent.take(damaged, PEER)).toBe(false);
    // Malformed: a Binding request header whose length runs past the datagram, or whose attribute is cut short.
    const truncated = Buffer.from(check().subarray(0, 30));
    expect(consent.take(truncated, PEER)).toBe(false);
    const header = Buffer.from(check().subarray(0, 20));
    header.writeUInt16BE(400, 2);
    expect(consent.take(header, PEER)).toBe(false);
    expect(sent).toHaveLength(1);
    expect(consent.requestsAnswered).toBe(1);
    // Stopped: werift answers again.
    consent.stop(false);
    expect(consent.take(check(), PEER)).toBe(false);
  });

  it('gives the cycle back to werift when stopped on a live connection, and sends nothing after', async () => {
    const { connection, calls } = fakeConnection();
    const sent: Buffer[] = [];
    const consent = start(connection, sent)!;
    consent.stop(true);
    expect(calls.queryConsent).toBe(1);
    const after = sent.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sent.length).toBe(after);
    consent.stop(true);
    expect(calls.queryConsent).toBe(1); // once
  });

  it('refuses a connection that is not connected or not werift’s shape, and changes nothing', () => {
    const { connection, calls } = fakeConnection();
    connection.state = 'checking';
    expect(ConsentFreshness.attach(connection, () => undefined)).toBeNull();
    expect(ConsentFreshness.attach({ state: 'connected' }, () => undefined)).toBeNull();
    expect(ConsentFreshness.attach(undefined, () => undefined)).toBeNull();
    expect(calls.stopConsentLifecycle).toBe(0);
  });
});

describe('consent on the RTP fast path between two werift legs', () => {
  const open: WebRtcEndpoint[] = [];
  afterEach(() => {
    for (const endpoint of open.splice(0)) endpoint.close();
  });

  it('checks are answered by the peer’s werift, werift’s own cycle stays stopped, and audio keeps flowing', async () => {
    const sandbox = new WebRtcEndpoint('sandbox', { mediaAddress: '127.0.0.1' });
    // The peer is werift's whole pipeline (no fast path, no consent.ts): werift answers our checks and checks our answers.
    const peer = new WebRtcEndpoint('peer', { mediaAddress: '127.0.0.1', fastPath: false });
    open.push(sandbox, peer);
    await sandbox.acceptAnswer(await peer.answerOffer(await sandbox.createOffer()));
    await expect.poll(() => [sandbox.state, peer.state], { timeout: 10_000 }).toEqual(['connected', 'connected']);
    type Internals = { fastPath: RtpFastPath | null; transceiver: { dtlsTransport: { iceTransport: { connection: { queryConsentHandle?: unknown; consentFresh: boolean; canSendApplicationData(): boolean } } } } };
    const internals = sandbox as unknown as Internals;
    const connection = internals.transceiver.dtlsTransport.iceTransport.connection;
    const consent = () => (internals.fastPath as unknown as { consent: ConsentFreshness | null }).consent;
    expect(consent()).not.toBeNull();
    expect(connection.queryConsentHandle).toBeUndefined(); // werift's cycle is not running
    // A fast path of the test's own on the same transceiver, with a short cadence, in place of the endpoint's.
    internals.fastPath!.detach();
    expect(connection.queryConsentHandle).toBeDefined(); // handed back to werift
    const heard: Buffer[] = [];
    peer.onFrame((payload) => heard.push(Buffer.from(payload)));
    const transceiver = internals.transceiver as unknown as { dtlsTransport: unknown; sender: { ssrc: number } };
    internals.fastPath = RtpFastPath.attach(transceiver.dtlsTransport, transceiver.sender.ssrc, () => undefined, { intervalMs: 50, timeoutMs: 400 });
    expect(internals.fastPath).not.toBeNull();
    expect(connection.queryConsentHandle).toBeUndefined();
    // Longer than the timeout: consent holds only because the peer's werift answers each check.
    for (let n = 0; n < 60; n++) {
      sandbox.deliver(Buffer.alloc(FRAME_SAMPLES, n & 0x7f));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(consent()!.responsesReceived).toBeGreaterThanOrEqual(5);
    expect(connection.canSendApplicationData()).toBe(true);
    expect(sandbox.state).toBe('connected');
    expect(heard.length).toBeGreaterThanOrEqual(40);

    // The peer's werift checks consent with a request through its own transaction machinery, which
    // accepts only a response whose MESSAGE-INTEGRITY verifies with our password: ours answers it.
    type WeriftIce = {
      localUsername: string;
      remoteUsername: string;
      remotePassword: string;
      iceControlling: boolean;
      nominated: { localCandidate: unknown; remoteAddr: [string, number]; protocol: { request(request: unknown, addr: [string, number], key: Buffer, retransmissions: number): Promise<[Message, [string, number]]> } };
      buildRequest(options: object): Message;
    };
    const peerIce = (peer as unknown as Internals).transceiver.dtlsTransport.iceTransport.connection as unknown as WeriftIce;
    const pair = peerIce.nominated;
    const request = peerIce.buildRequest({ nominate: false, localUsername: peerIce.localUsername, remoteUsername: peerIce.remoteUsername, iceControlling: peerIce.iceControlling, localCandidate: pair.localCandidate });
    const answeredBefore = consent()!.requestsAnswered;
    const [response] = await pair.protocol.request(request, pair.remoteAddr, Buffer.from(peerIce.remotePassword, 'utf8'), 2);
    expect([response.messageMethod, response.messageClass]).toEqual([1, 0x100]);
    expect(response.transactionId.equals(request.transactionId)).toBe(true);
    expect(consent()!.requestsAnswered).toBe(answeredBefore + 1);
  });
});
