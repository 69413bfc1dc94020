/**
 * A Client SDK peer's media: one werift peer connection offering G.711 µ-law.
 *
 * The sandbox makes the offer (the platform offers in `member:invited`), the SDK answers.
 * The SDK sends no usable ICE candidates (a dummy 0.0.0.0:9), so werift learns the
 * browser's address from its connectivity checks (peer-reflexive candidates).
 */
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import type { MediaCounters, MediaEndpoint } from './endpoint';
import { louderThan } from './g711';
import { AUDIBLE_LEVEL } from './phone-endpoint';
import { RtcpReports } from './rtcp-reports';
import { RtpFastPath, type RtcpOptions } from './srtp-path';
import { AES_CM_128_HMAC_SHA1_80 } from './srtp';
import type { UdpMux } from './udp-mux';

const PCMU = () => new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 });

/**
 * When the sandbox is the DTLS server (it offered, the browser answered and connects, the
 * usual case) it picks the SRTP profile from the client's list in its own order, which werift
 * ships as AEAD_AES_128_GCM first. node:crypto cannot re-key a GCM context with a new IV, so
 * GCM costs a `createCipheriv` a packet each way: srtp.ts protects and unprotects a packet in
 * ~13 µs with GCM against ~3 µs with AES_CM_128_HMAC_SHA1_80 (WebRTC's mandatory profile,
 * RFC 8827: one ECB cipher and two one-shot hashes), and in test/bench/media-capacity.ts's
 * profile at 250 calls the GCM cipher calls were about a fifth of the sandbox's busy time.
 * Both stay offered; only the order changes (Chromium then picks AES-CM too, as the e2e
 * specs' calls do). werift's field is checked, not assumed.
 */
function preferAesCm(dtlsTransport: unknown): void {
  const transport = dtlsTransport as { srtpProfiles?: unknown } | undefined;
  const profiles = transport?.srtpProfiles;
  if (!Array.isArray(profiles) || !profiles.includes(AES_CM_128_HMAC_SHA1_80)) return;
  transport!.srtpProfiles = [AES_CM_128_HMAC_SHA1_80, ...profiles.filter((profile) => profile !== AES_CM_128_HMAC_SHA1_80)];
}

/** Network options for the sandbox's side of every peer connection. */
export interface WebRtcOptions {
  /** Local address to offer as the ICE host candidate (127.0.0.1 for a one-machine setup). */
  mediaAddress: string;
  /** RTP straight between the UDP socket and SRTP (`srtp-path.ts`) once connected (default true); false keeps werift's whole pipeline. */
  fastPath?: boolean;
  /**
   * The sandbox's one media socket (udp-mux.ts): the leg's ICE host candidate is on it, at
   * `mux.address`, and werift opens no socket of its own. Without it (or when werift's objects
   * are not as the mux expects) the leg gathers its own socket, on `mediaAddress`.
   */
  mux?: UdpMux;
  /** On the fast path, how often RTCP reports go out (rtcp-reports.ts; default 5 s, WebRTC's for audio). */
  rtcpIntervalMs?: number;
  /** How long an offer or answer waits for ICE gathering before it fails (default `ICE_GATHERING_TIMEOUT_MS`). */
  iceGatheringTimeoutMs?: number;
}

/**
 * Gathering host candidates on a local address takes milliseconds (none at all on the shared
 * media socket, whose candidate the leg has before it gathers). The wait is bounded anyway:
 * the offer of a ringing call and the answer to an SDK's offer wait on it, and a hang there
 * would hold the call (and the SDK's request) for ever; a failure is reported where it happens
 * (the call's ringing fails, the SDK gets an error).
 */
export const ICE_GATHERING_TIMEOUT_MS = 5_000;

/** ICE gathering outlasted its limit: the platform's media could not be set up (not a fault of the peer's SDP). */
export class IceGatheringTimeout extends Error {}

/** werift peer connection wrapped as a media endpoint. */
export class WebRtcEndpoint implements MediaEndpoint {
  private readonly pc: RTCPeerConnection;
  private readonly transceiver: RTCRtpTransceiver;
  private listener: ((frame: Buffer) => void) | null = null;
  private readonly stats: MediaCounters = { packets_sent: 0, packets_received: 0 };
  private sequence = Math.floor(Math.random() * 0xffff);
  private timestamp = Math.floor(Math.random() * 0xffffffff);
  private fastPath: RtpFastPath | null = null;
  /** The leg's RTCP statistics and reports, made at the first fast path (`rtcpReports`). */
  private rtcp: RtcpReports | null = null;
  bytesIn = 0;
  bytesOut = 0;
  state: string = 'new';

  constructor(readonly id: string, private readonly options: WebRtcOptions) {
    const loopback = options.mediaAddress === '127.0.0.1';
    this.pc = new RTCPeerConnection({
      codecs: { audio: [PCMU()] },
      iceUseIpv6: false,
      ...(loopback
        ? { iceAdditionalHostAddresses: ['127.0.0.1'], iceFilterCandidatePair: (pair) => pair.localCandidate.host === '127.0.0.1' }
        : { iceInterfaceAddresses: { udp4: options.mediaAddress } }),
    });
    this.transceiver = this.pc.addTransceiver('audio', { direction: 'sendrecv' });
    options.mux?.attach(this.transceiver.dtlsTransport?.iceTransport?.connection);
    preferAesCm(this.transceiver.dtlsTransport);
    // werift's pipeline: all RTP until connected, and all of it when the fast path is off or cannot attach.
    this.transceiver.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        if (rtp.header.payloadType === 0) this.received(rtp.payload);
        else this.stats.packets_received++;
      });
    });
    this.pc.connectionStateChange.subscribe((state) => {
      this.state = state;
      if (state === 'connected' && options.fastPath !== false) {
        this.fastPath?.detach();
        this.fastPath = RtpFastPath.attach(this.transceiver.dtlsTransport, this.transceiver.sender.ssrc, (payload) => this.received(payload), {}, this.rtcpReports());
      }
    });
  }

  /**
   * The leg's RTCP reports for a fast path: one `RtcpReports` for the leg's life, so a path
   * attached after a reconnect goes on counting; none once werift's own report loop runs (it
   * starts when werift's pipeline sends, as after a fallback, and never stops), or the browser
   * would get two SR streams for one SSRC.
   */
  private rtcpReports(): RtcpOptions | false {
    if ((this.transceiver.sender as unknown as { rtcpRunning?: boolean }).rtcpRunning) return false;
    this.rtcp ??= new RtcpReports(this.transceiver.sender.ssrc, this.pc.cname, this.options.rtcpIntervalMs);
    return { reports: this.rtcp };
  }

  /** Creates the offer and waits for ICE gathering, since SDP goes whole (no trickle). */
  async createOffer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.localSdp();
  }

  /** Answers a client's offer (`serverCall`, `reconnectCall`): the client offered, we answer. */
  async answerOffer(sdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    const answer = await this.pc.createAnswer();
    // An offer with no codec in common: werift 0.24 threw here; 0.25 answers the m-line rejected
    // (port 0, RFC 3264 §6), gathers nothing for it, and the wait below would never end.
    if (!/^m=audio [1-9]/m.test(answer.sdp)) throw new Error('no audio codec in common with the offer (the sandbox offers PCMU)');
    await this.pc.setLocalDescription(answer);
    return this.localSdp();
  }

  /** The local description once ICE gathering is complete, candidates restricted; rejects when gathering takes too long. */
  private async localSdp(): Promise<string> {
    if (this.pc.iceGatheringState !== 'complete') {
      const limitMs = this.options.iceGatheringTimeoutMs ?? ICE_GATHERING_TIMEOUT_MS;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          sub.unSubscribe();
          reject(new IceGatheringTimeout(`ICE gathering did not complete within ${limitMs / 1000} s`));
        }, limitMs);
        const sub = this.pc.iceGatheringStateChange.subscribe((state) => {
          if (state === 'complete') {
            clearTimeout(timer);
            sub.unSubscribe();
            resolve();
          }
        });
      });
    }
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error('werift produced no local description');
    return this.restrictCandidates(sdp);
  }

  /** Whether RTP goes through `srtp-path.ts` rather than werift's sender and receiver. */
  get fastPathActive(): boolean {
    return this.fastPath !== null;
  }

  private received(payload: Buffer): void {
    this.stats.packets_received++;
    this.bytesIn += payload.length;
    this.listener?.(payload);
  }

  /** Applies the client's answer. */
  async acceptAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** The SRTP protection profile the DTLS handshake chose (werift's number), or null before it. */
  get srtpProfile(): number | null {
    const transport = this.pc.dtlsTransports[0];
    return transport?.state === 'connected' ? transport.srtp.config.profile : null;
  }

  onFrame(listener: ((frame: Buffer) => void) | null): void {
    this.listener = listener;
  }

  /** Frames with audible energy sent to the peer: what its user heard (the platform's audio analysis, as a phone's). */
  audibleFramesDelivered = 0;

  deliver(frame: Buffer): void {
    if (this.state !== 'connected') return;
    if (louderThan(frame, AUDIBLE_LEVEL)) this.audibleFramesDelivered++;
    const sequenceNumber = this.sequence;
    const timestamp = this.timestamp >>> 0;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + frame.length) >>> 0;
    this.stats.packets_sent++;
    this.bytesOut += frame.length;
    if (this.fastPath?.send(frame, sequenceNumber, timestamp)) return;
    // werift keeps the packet for retransmission; the mixer reuses `frame` next tick: send a copy.
    const header = new RtpHeader({ payloadType: 0, sequenceNumber, timestamp, marker: false });
    void this.transceiver.sender.sendRtp(new RtpPacket(header, Buffer.from(frame))).catch(() => undefined);
  }

  counters(): MediaCounters {
    return { ...this.stats };
  }

  close(): void {
    this.listener = null;
    this.fastPath?.detach();
    this.fastPath = null;
    void this.pc.close().catch(() => undefined);
  }

  /** Keeps only host candidates on the configured address, so checks never leave that network. */
  private restrictCandidates(sdp: string): string {
    return sdp
      .split('\r\n')
      .filter((line) => !line.startsWith('a=candidate:') || line.split(' ')[4] === this.options.mediaAddress)
      .join('\r\n');
  }
}
