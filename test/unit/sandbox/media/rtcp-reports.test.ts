import { describe, expect, it } from 'vitest';
import { RtcpReceiverInfo, RtcpRrPacket, RtcpSenderInfo, RtcpSourceDescriptionPacket, RtcpSrPacket } from 'werift';
import { compactNtp, ntpTimestamp, readSenderReports, RtcpReports } from '../../../../sandbox/media/rtcp-reports';

const OURS = 0x1234;
const PEER = 0xabcd;

/** Reports on a clock the test moves. */
function reports() {
  const clock = { ms: 1000 };
  return { clock, leg: new RtcpReports(OURS, 'sandbox-cname', undefined, () => clock.ms) };
}

/** The first packet of a report (SR or RR) and its report block about the peer, if any. */
function first(leg: RtcpReports): { packet: RtcpSrPacket | RtcpRrPacket; block: RtcpReceiverInfo | undefined } {
  const packet = leg.report()[0] as RtcpSrPacket | RtcpRrPacket;
  return { packet, block: packet.reports.find((report) => report.ssrc === PEER) };
}

/** The peer's packets with these sequence numbers, 20 ms apart, RTP timestamps 160 apart. */
function hear(leg: RtcpReports, clock: { ms: number }, seqs: number[]) {
  for (const seq of seqs) {
    clock.ms += 20;
    leg.receivedPacket(PEER, seq & 0xffff, (seq * 160) >>> 0);
  }
}

describe('NTP time', () => {
  it('counts seconds from 1900 and the fraction in units of 2^-32 s', () => {
    expect(ntpTimestamp(0)).toBe(2_208_988_800n << 32n);
    const ntp = ntpTimestamp(1500);
    expect(ntp >> 32n).toBe(2_208_988_801n);
    expect(Number(ntp & 0xffffffffn)).toBe(Math.floor(0.5 * 2 ** 32));
    // LSR's compact form: the low 16 bits of the seconds and the high 16 of the fraction.
    expect(compactNtp(ntp)).toBe(((2_208_988_801 & 0xffff) * 0x10000 + 0x8000) >>> 0);
  });
});

describe('RtcpReports', () => {
  it('sends an RR until it has sent RTP, then an SR with the packets, octets and the last RTP time', () => {
    const { clock, leg } = reports();
    const idle = leg.report();
    expect(idle[0]).toBeInstanceOf(RtcpRrPacket);
    expect(idle[1]).toBeInstanceOf(RtcpSourceDescriptionPacket);
    expect((idle[1] as RtcpSourceDescriptionPacket).chunks[0]!.items[0]!.text).toBe('sandbox-cname');

    for (let i = 0; i < 3; i++) leg.sent(160, 8000 + i * 160);
    clock.ms += 10; // within the frame: the last packet's RTP time is the SR's
    const sr = leg.report()[0] as RtcpSrPacket;
    expect(sr).toBeInstanceOf(RtcpSrPacket);
    expect(sr.ssrc).toBe(OURS);
    const info = sr.senderInfo as RtcpSenderInfo;
    expect([info.packetCount, info.octetCount, info.rtpTimestamp]).toEqual([3, 480, 8320]);
    expect(Number(info.ntpTimestamp >> 32n) - 2_208_988_800).toBeCloseTo((performance.timeOrigin + clock.ms) / 1000, -1);
    // Nothing sent since: an RR again.
    expect(leg.report()[0]).toBeInstanceOf(RtcpRrPacket);
  });

  it('reports the highest sequence number, the packets lost in all and the fraction lost since the last report', () => {
    const { clock, leg } = reports();
    expect(first(leg).block).toBeUndefined(); // nothing heard yet: no report block
    hear(leg, clock, [100, 101, 102, 103, 104, 106, 107, 108, 109]); // 105 lost
    const one = first(leg).block!;
    expect([one.highestSequence, one.packetsLost, one.fractionLost]).toEqual([109, 1, Math.floor(256 / 10)]);
    hear(leg, clock, [110, 111, 112, 113]);
    const two = first(leg).block!;
    // Lost in all stays 1; none lost in this interval.
    expect([two.highestSequence, two.packetsLost, two.fractionLost]).toEqual([113, 1, 0]);
  });

  it('counts a wrap of the sequence number as a cycle; a late or repeated packet moves nothing back', () => {
    const { clock, leg } = reports();
    hear(leg, clock, [65533, 65534, 65535, 65536, 65537]);
    hear(leg, clock, [65535]); // late (a duplicate)
    const block = first(leg).block!;
    expect(block.highestSequence).toBe(0x10000 + 1);
    // −1 in 24 bits: the duplicate counts as received, as A.3 counts it.
    expect(block.packetsLost).toBe(0xffffff);
  });

  it('takes a restart of the peer’s sequence after two packets in a row, and a new SSRC at once', () => {
    const { clock, leg } = reports();
    hear(leg, clock, [1000, 1001, 1002]);
    hear(leg, clock, [40000]); // one far-off packet: not believed yet
    expect(first(leg).block!.highestSequence).toBe(1002);
    hear(leg, clock, [40001]); // the next in its sequence: a restart
    expect(first(leg).block!).toMatchObject({ highestSequence: 40001, packetsLost: 0 });
    clock.ms += 20;
    leg.receivedPacket(0x7777, 5, 0);
    const packet = leg.report()[0] as RtcpSrPacket | RtcpRrPacket;
    expect(packet.reports.map((report) => [report.ssrc, report.highestSequence])).toEqual([[0x7777, 5]]);
  });

  it('estimates interarrival jitter as RFC 3550 A.8 does', () => {
    const { clock, leg } = reports();
    hear(leg, clock, [1, 2, 3, 4, 5]); // exactly 20 ms apart: no jitter
    expect(first(leg).block!.jitter).toBe(0);
    clock.ms += 30; // 10 ms late: 80 RTP units of change in transit, 1/16 of it into the estimate
    leg.receivedPacket(PEER, 6, 6 * 160);
    expect(first(leg).block!.jitter).toBe(5);
  });

  it('echoes the peer’s last SR as LSR with the delay since it as DLSR, and ignores another stream’s', () => {
    const { clock, leg } = reports();
    hear(leg, clock, [1, 2, 3]);
    expect(first(leg).block).toMatchObject({ lsr: 0, dlsr: 0 }); // no SR of the peer yet
    const ntp = ntpTimestamp(Date.UTC(2026, 11, 6, 12, 0, 0, 250));
    leg.peerRtcp(new RtcpSrPacket({ ssrc: PEER, senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntp }) }));
    clock.ms += 1480;
    hear(leg, clock, [4]); // 1.5 s after the SR
    expect(first(leg).block).toMatchObject({ lsr: compactNtp(ntp), dlsr: 1.5 * 65536 });
    // Another stream's SR, and an RR of the peer's, change nothing.
    leg.peerRtcp(new RtcpSrPacket({ ssrc: 0x9999, senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntpTimestamp(0) }) }));
    leg.peerRtcp(new RtcpRrPacket({ ssrc: PEER }));
    hear(leg, clock, [5]);
    expect(first(leg).block).toMatchObject({ lsr: compactNtp(ntp), dlsr: Math.round(1.52 * 65536) });
  });

  it('takes an SR that came before the stream’s first packet only if it is that stream’s', () => {
    const early = reports();
    const ntp = ntpTimestamp(Date.UTC(2026, 11, 6, 9, 30));
    early.leg.peerRtcp(new RtcpSrPacket({ ssrc: PEER, senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntp }) }));
    hear(early.leg, early.clock, [1]);
    expect(first(early.leg).block!.lsr).toBe(compactNtp(ntp));
    const other = reports();
    other.leg.peerRtcp(new RtcpSrPacket({ ssrc: 0x9999, senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntp }) }));
    hear(other.leg, other.clock, [1]);
    expect(first(other.leg).block).toMatchObject({ lsr: 0, dlsr: 0 });
  });

  it('leaves the report block out when the peer was not heard since the last report (RFC 3550 §6.4)', () => {
    const { clock, leg } = reports();
    hear(leg, clock, [1, 2]);
    expect(first(leg).block).toBeDefined();
    expect(first(leg).block).toBeUndefined();
    hear(leg, clock, [3]);
    expect(first(leg).block).toMatchObject({ highestSequence: 3, packetsLost: 0 });
  });

  it('writes a negative loss (duplicates) as 24-bit two’s complement', () => {
    const { clock, leg } = reports();
    hear(leg, clock, [10, 11, 11, 11]); // two duplicates: expected 2, received 4
    expect(first(leg).block!.packetsLost).toBe(0xfffffe);
  });


  it('asks for a report every 5 s of the leg’s packets, randomised over 0.5–1.5 of that, the first after half', () => {
    const leg = new RtcpReports(OURS, 'c');
    const due: number[] = [];
    for (let packet = 1; packet <= 250 * 40; packet++) if (leg.sent(160, packet * 160)) due.push(packet);
    // 20 ms packets: 250 to 5 s. The first within 62–188 packets, then gaps of 125–375.
    expect(due[0]!).toBeGreaterThanOrEqual(62);
    expect(due[0]!).toBeLessThanOrEqual(188);
    const gaps = due.slice(1).map((at, i) => at - due[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(125);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(375);
    // Randomised, around the mean: 10,000 packets make ~40 reports.
    expect(new Set(gaps).size).toBeGreaterThan(5);
    expect(due.length).toBeGreaterThan(30);
    expect(due.length).toBeLessThan(60);
    // A shorter interval counts in packets too: 100 ms is 5 packets.
    const quick = new RtcpReports(OURS, 'c', 100);
    let reports = 0;
    for (let packet = 0; packet < 100; packet++) if (quick.sent(160, 0)) reports++;
    expect(reports).toBeGreaterThanOrEqual(13);
    expect(reports).toBeLessThanOrEqual(50);
  });

});

describe('readSenderReports', () => {
  it('finds each SR of a compound packet (SSRC and the NTP time’s middle 32 bits) and skips the rest', () => {
    const sr = (ssrc: number, ntp: bigint) => new RtcpSrPacket({ ssrc, senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntp, rtpTimestamp: 1, packetCount: 2, octetCount: 3 }), reports: [] }).serialize();
    const rr = new RtcpRrPacket({ ssrc: 5, reports: [new RtcpReceiverInfo({ ssrc: 6, fractionLost: 0, packetsLost: 0, highestSequence: 1, jitter: 0, lsr: 0, dlsr: 0 })] }).serialize();
    const packet = Buffer.concat([rr, sr(0x11111111, 0x01234567_89abcdefn), sr(0x22222222, 0xfedcba98_76543210n)]);
    const seen: Array<[number, number]> = [];
    readSenderReports(packet, packet.length, (ssrc, ntp) => seen.push([ssrc, ntp]));
    expect(seen).toEqual([
      [0x11111111, compactNtp(0x01234567_89abcdefn)],
      [0x22222222, compactNtp(0xfedcba98_76543210n)],
    ]);
    // Read up to `end` only, and not past a header whose length runs beyond it (what came before it still counts).
    const cut: number[] = [];
    readSenderReports(packet, rr.length + 28 + 10, (ssrc) => cut.push(ssrc));
    expect(cut).toEqual([0x11111111]);
    // An SR too short to hold its sender info (a length field of 2 words) is skipped, not read past.
    const short = Buffer.from(sr(0x33333333, 1n).subarray(0, 12));
    short.writeUInt16BE(2, 2);
    const shortSeen: number[] = [];
    readSenderReports(Buffer.concat([short, rr]), short.length + rr.length, (ssrc) => shortSeen.push(ssrc));
    expect(shortSeen).toEqual([]);
    const broken = Buffer.from(packet);
    broken[0] = 0; // not version 2: nothing read
    const none: number[] = [];
    readSenderReports(broken, broken.length, (ssrc) => none.push(ssrc));
    expect(none).toEqual([]);
  });
});
