import { describe, expect, it } from 'vitest';
import { MediaClock } from '../../../../sandbox/media/clock';
import { PhoneEndpoint } from '../../../../sandbox/media/phone-endpoint';
import { Mixer } from '../../../../sandbox/media/mixer';
import { FRAME_SAMPLES, mulawDecode, MULAW_SILENCE } from '../../../../sandbox/media/g711';
import { classifyAudio, goertzel, rms } from '../../../../sandbox/media/analysis';
import { synthesize } from '../../../../sandbox/media/speech';
import { holdMusic } from '../../../../sandbox/media/tones';
import { FakeEndpoint, sine } from './fakes';

function phoneWithEar(clock: MediaClock, id = 'phone') {
  const phone = new PhoneEndpoint(id, clock);
  const sent: Buffer[] = [];
  phone.onFrame((frame) => sent.push(frame));
  const said = (from = 0) => {
    const out = new Int16Array((sent.length - from) * FRAME_SAMPLES);
    sent.slice(from).forEach((frame, i) => mulawDecode(frame, out.subarray(i * FRAME_SAMPLES)));
    return out;
  };
  return { phone, sent, said };
}

const tick = (clock: MediaClock, n: number) => {
  for (let i = 0; i < n; i++) clock.tick();
};

describe('PhoneEndpoint voice', () => {
  it('says a steady 425 Hz tone by default, one frame a tick, only while someone listens', () => {
    const clock = new MediaClock(20, { manual: true });
    const { phone, sent, said } = phoneWithEar(clock);
    tick(clock, 50);
    expect(sent).toHaveLength(50);
    expect(classifyAudio(said())).toMatchObject({ kind: 'tone', dominantHz: 425 });
    expect(phone.counters().packets_sent).toBe(50);
    phone.onFrame(null);
    tick(clock, 5);
    expect(phone.counters().packets_sent).toBe(50);
    phone.close();
  });

  it('speaks a clip, then goes back to its tone; speak(null) cuts a source short', async () => {
    const clock = new MediaClock(20, { manual: true });
    const { phone, said } = phoneWithEar(clock);
    const spoken = phone.speak(sine(1000, 1600));
    tick(clock, 10);
    expect(await spoken).toBe('finished');
    expect(goertzel(said(0).subarray(0, 1600), 1000)).toBeGreaterThan(5500);
    expect(goertzel(said(0).subarray(0, 1600), 425)).toBeLessThan(100);
    tick(clock, 10);
    expect(classifyAudio(said(11)).dominantHz).toBe(425);

    const music = phone.speak(holdMusic());
    tick(clock, 100);
    expect(classifyAudio(said(21)).kind).toBe('music');
    const back = phone.speak(null);
    expect(await music).toBe('replaced');
    expect(await back).toBe('finished');
    tick(clock, 20);
    expect(classifyAudio(said(121)).dominantHz).toBe(425);
    phone.close();
  });

  it('silent() sends silence frames, still one a tick', () => {
    const clock = new MediaClock(20, { manual: true });
    const { phone, sent } = phoneWithEar(clock);
    phone.silent();
    tick(clock, 10);
    expect(sent).toHaveLength(10);
    expect(sent.every((frame) => frame.every((b) => b === MULAW_SILENCE))).toBe(true);
    phone.close();
  });
});

describe('PhoneEndpoint ear', () => {
  it('keeps what it received, decoded, and counts the audible frames', () => {
    const clock = new MediaClock(20, { manual: true });
    const phone = new PhoneEndpoint('p', clock);
    const tone = sine(600, 8000);
    for (let f = 0; f < 50; f++) phone.deliver(Buffer.alloc(FRAME_SAMPLES, MULAW_SILENCE));
    expect(phone.audibleFramesReceived).toBe(0);
    const mixer = new Mixer(clock);
    mixer.join('p', phone);
    mixer.play(tone);
    tick(clock, 50);
    expect(phone.audibleFramesReceived).toBe(50);
    expect(phone.counters().packets_received).toBe(100);
    const heard = phone.received();
    expect(heard).toHaveLength(16000);
    expect(rms(heard.subarray(0, 8000))).toBe(0);
    expect(goertzel(heard.subarray(8000), 600)).toBeGreaterThan(5500);
    mixer.close();
    phone.close();
  });

  it('keeps only the last 60 s, oldest first', () => {
    const clock = new MediaClock(20, { manual: true });
    const phone = new PhoneEndpoint('p', clock);
    // 61 s of frames; each second's frames carry a distinct µ-law byte.
    for (let s = 0; s < 61; s++) for (let f = 0; f < 50; f++) phone.deliver(Buffer.alloc(FRAME_SAMPLES, 0x80 + s));
    const heard = phone.received();
    expect(heard).toHaveLength(60 * 8000);
    const byteAt = (second: number) => mulawDecode(Buffer.from([0x80 + second]))[0];
    expect(heard[0]).toBe(byteAt(1));
    expect(heard[heard.length - 1]).toBe(byteAt(60));
    expect(heard[30 * 8000]).toBe(byteAt(31));
    phone.close();
  });

  it('keeps odd-sized frames across its one-second chunks and past 60 s, byte for byte', () => {
    const clock = new MediaClock(20, { manual: true });
    const phone = new PhoneEndpoint('p', clock);
    // 170-byte packets (not a divisor of a chunk's 8000 bytes), each byte the next of a counter
    // over µ-law's 256 values: where a frame is split, repeated or dropped, the order breaks.
    const total = 70 * 8000 + 170 * 7;
    let next = 0;
    const frame = Buffer.alloc(170);
    for (let sent = 0; sent < total; sent += frame.length) {
      for (let i = 0; i < frame.length; i++) frame[i] = next++ & 0xff;
      phone.deliver(frame);
      if (sent === 170 * 40) {
        // Read while still inside the first chunk: all 41 packets, from the first byte.
        const early = phone.received();
        expect(early).toHaveLength(170 * 41);
        expect(early[0]).toBe(mulawDecode(Buffer.from([0]))[0]);
      }
    }
    const heard = phone.received();
    expect(heard).toHaveLength(60 * 8000);
    // Compared decoded (what the phone hands out): µ-law's two zeros, 0x7f and 0xff, decode alike.
    const decoded = mulawDecode(Uint8Array.from({ length: 256 }, (_, byte) => byte));
    const firstKept = next - 60 * 8000;
    const mismatches = heard.filter((sample, i) => sample !== decoded[(firstKept + i) & 0xff]).length;
    expect(mismatches).toBe(0);
    phone.close();
  });

  it('keeps the last 60 s of one packet longer than that', () => {
    const clock = new MediaClock(20, { manual: true });
    const phone = new PhoneEndpoint('p', clock);
    const packet = Buffer.alloc(61 * 8000);
    for (let s = 0; s < 61; s++) packet.fill(0x80 + s, s * 8000, (s + 1) * 8000);
    phone.deliver(packet);
    const heard = phone.received();
    const byteAt = (second: number) => mulawDecode(Buffer.from([0x80 + second]))[0];
    expect(heard).toHaveLength(60 * 8000);
    expect(heard[0]).toBe(byteAt(1));
    expect(heard[heard.length - 1]).toBe(byteAt(60));
    phone.close();
  });

  it('keeps every frame in order, whether read at once or later, whole frames and odd-sized ones mixed', () => {
    const clock = new MediaClock(20, { manual: true });
    const phone = new PhoneEndpoint('p', clock);
    const sent: number[] = [];
    const deliver = (bytes: number, value: number) => {
      phone.deliver(Buffer.alloc(bytes, value));
      for (let i = 0; i < bytes; i++) sent.push(value);
    };
    const heardBytes = () => {
      const heard = phone.received();
      const table = new Map(Array.from({ length: 256 }, (_, byte) => [mulawDecode(Buffer.from([byte]))[0], byte] as const));
      return [...heard].map((sample) => table.get(sample));
    };
    deliver(FRAME_SAMPLES, 0x81);
    // Read at once: the one frame just received is there.
    expect(heardBytes()).toEqual(sent);
    deliver(FRAME_SAMPLES, 0x82);
    deliver(FRAME_SAMPLES, 0x83);
    deliver(100, 0x84); // a 12.5 ms packet
    for (let f = 0; f < 21; f++) deliver(FRAME_SAMPLES, 0x85 + f);
    expect(heardBytes()).toEqual(sent);
    // Read twice: nothing lost or repeated.
    expect(heardBytes()).toEqual(sent);
    phone.close();
  });
});

describe('phones in a mixed conversation', () => {
  it('whisper: the caller never hears the agent being told the topic; the agent does', async () => {
    const clock = new MediaClock(20, { manual: true });
    const mixer = new Mixer(clock);
    const caller = new PhoneEndpoint('caller', clock);
    const agent = new PhoneEndpoint('agent', clock);
    const coach = new PhoneEndpoint('coach', clock);
    caller.silent();
    agent.silent();
    mixer.join('caller', caller);
    mixer.join('agent', agent);
    mixer.join('coach', coach, { canSpeak: ['agent'] });
    void coach.speak(await synthesize('Incoming call regarding billing. The caller is a premium customer.'));
    const whisper = mixer.play(await synthesize('This call is being recorded.'), { to: ['agent'] });
    tick(clock, 250);
    expect(await whisper.done).toBe('finished');
    expect(classifyAudio(agent.received()).kind).toBe('speech');
    expect(classifyAudio(caller.received()).kind).toBe('silence');
    expect(caller.audibleFramesReceived).toBe(0);
    mixer.close();
  });

  it('a caller on hold hears music, then a talk as speech, then two-way tones once an agent joins', async () => {
    const clock = new MediaClock(20, { manual: true });
    const mixer = new Mixer(clock);
    const caller = new PhoneEndpoint('caller', clock);
    mixer.join('caller', caller);
    const music = mixer.play(holdMusic(), { to: ['caller'] });
    tick(clock, 150);
    expect(classifyAudio(caller.received()).kind).toBe('music');
    music.stop();
    mixer.play(await synthesize('Thank you for waiting. Connecting you now.'));
    tick(clock, 150);
    expect(classifyAudio(caller.received().subarray(150 * FRAME_SAMPLES)).kind).toBe('speech');
    const agent = new PhoneEndpoint('agent', clock, 700);
    mixer.join('agent', agent);
    tick(clock, 100);
    expect(classifyAudio(caller.received().subarray(-50 * FRAME_SAMPLES))).toMatchObject({ kind: 'tone', dominantHz: 700 });
    expect(classifyAudio(agent.received().subarray(-50 * FRAME_SAMPLES))).toMatchObject({ kind: 'tone', dominantHz: 425 });
    mixer.close();
  });
});

describe('a phone read by its mixer each tick (ClockedEndpoint)', () => {
  /** The phone's own frames, as a listener of its own would get them, for `ticks` ticks. */
  const toneOf = (ticks: number) => {
    const clock = new MediaClock(20, { manual: true });
    const { phone, sent } = phoneWithEar(clock);
    tick(clock, ticks);
    phone.close();
    return sent.map((frame) => Buffer.from(frame));
  };

  it('is read in the tick it speaks, every frame once and in order, whichever of phone and mixer came first', () => {
    for (const mixerFirst of [true, false]) {
      const clock = new MediaClock(20, { manual: true });
      const mixer = mixerFirst ? new Mixer(clock) : null;
      const phone = new PhoneEndpoint('phone', clock);
      const conversation = mixer ?? new Mixer(clock);
      const agent = new FakeEndpoint('agent');
      const listened: Array<((frame: Buffer) => void) | null> = [];
      const onFrame = phone.onFrame.bind(phone);
      phone.onFrame = (listener) => {
        listened.push(listener);
        onFrame(listener);
      };
      conversation.join('phone', phone);
      conversation.join('agent', agent);
      tick(clock, 10);
      // No listener and no jitter queue: the mixer reads it, one frame a tick from the first.
      expect(listened).toEqual([null]);
      expect(agent.frames).toEqual(toneOf(10));
      expect(phone.counters().packets_sent).toBe(10);
      expect(conversation.bufferedFrames).toBe(0);
      conversation.close();
      phone.close();
    }
  });

  it('keeps speaking while nobody hears it, and still counts its frames sent', async () => {
    const clock = new MediaClock(20, { manual: true });
    const mixer = new Mixer(clock);
    const phone = new PhoneEndpoint('phone', clock);
    const agent = new FakeEndpoint('agent');
    mixer.join('phone', phone, { muted: true });
    mixer.join('agent', agent);
    let said: string | null = null;
    void phone.speak(sine(440, FRAME_SAMPLES * 5)).then((how) => (said = how));
    tick(clock, 5);
    await new Promise((resolve) => setImmediate(resolve));
    expect(said).toBe('finished');
    expect(agent.frames.every((frame) => frame.every((byte) => byte === MULAW_SILENCE))).toBe(true);
    expect(phone.counters().packets_sent).toBe(5);
    mixer.update('phone', { muted: false });
    tick(clock, 2);
    expect(agent.frames.slice(5)).toEqual(toneOf(2)); // its tone from where it left off
    mixer.close();
    phone.close();
  });

  it('moves to the mixer that joins it last: the first stops reading it, and no frame is read twice or skipped', () => {
    const clock = new MediaClock(20, { manual: true });
    const first = new Mixer(clock);
    const second = new Mixer(clock);
    const phone = new PhoneEndpoint('phone', clock);
    const agent = new FakeEndpoint('agent');
    const supervisor = new FakeEndpoint('supervisor');
    first.join('phone', phone);
    first.join('agent', agent);
    second.join('supervisor', supervisor);
    tick(clock, 3);
    second.join('phone', phone); // taken over before the first leaves
    tick(clock, 3);
    first.leave('phone'); // leaving no longer detaches it
    tick(clock, 3);
    const tone = toneOf(9);
    expect(agent.frames.slice(0, 3)).toEqual(tone.slice(0, 3));
    expect(agent.frames.slice(3).every((frame) => frame.every((byte) => byte === MULAW_SILENCE))).toBe(true);
    expect(supervisor.frames.slice(3)).toEqual(tone.slice(3));
    expect(phone.counters().packets_sent).toBe(9);
    first.close();
    second.close();
    phone.close();
  });

  it('shares its tone with every phone that says the same one, and gives a mixer that tone', () => {
    const clock = new MediaClock(20, { manual: true });
    const [a, b] = [new PhoneEndpoint('a', clock), new PhoneEndpoint('b', clock)];
    const other = new PhoneEndpoint('c', clock, 700);
    clock.tick();
    const [fromA, fromB, fromOther] = [a.pull(), b.pull(), other.pull()];
    expect(fromA).toBe(fromB); // the same Buffer, not an equal copy
    expect(fromOther).not.toBe(fromA);
    expect(goertzel(mulawDecode(fromA!), 425)).toBeGreaterThan(3000);
    expect(goertzel(mulawDecode(fromOther!), 700)).toBeGreaterThan(3000);
    for (const phone of [a, b, other]) phone.close();
  });

  it('sends nothing more once closed, though its mixer still has it', () => {
    const clock = new MediaClock(20, { manual: true });
    const mixer = new Mixer(clock);
    const phone = new PhoneEndpoint('phone', clock);
    const agent = new FakeEndpoint('agent');
    mixer.join('phone', phone);
    mixer.join('agent', agent);
    tick(clock, 2);
    phone.close();
    tick(clock, 3);
    expect(agent.frames.slice(0, 2)).toEqual(toneOf(2));
    expect(agent.frames.slice(2).every((frame) => frame.every((byte) => byte === MULAW_SILENCE))).toBe(true);
    expect(phone.counters().packets_sent).toBe(2);
    mixer.close();
  });

  it('on another clock than the mixer, goes through its jitter queue as any endpoint does', () => {
    const phoneClock = new MediaClock(20, { manual: true });
    const mixerClock = new MediaClock(20, { manual: true });
    const mixer = new Mixer(mixerClock);
    const phone = new PhoneEndpoint('phone', phoneClock);
    const agent = new FakeEndpoint('agent');
    mixer.join('phone', phone);
    mixer.join('agent', agent);
    for (let i = 0; i < 4; i++) {
      phoneClock.tick();
      mixerClock.tick();
    }
    expect(agent.frames).toEqual(toneOf(4));
    phoneClock.tick();
    expect(mixer.bufferedFrames).toBe(1); // queued until the mixer's clock ticks
    mixer.close();
    phone.close();
  });

  it('is in a tap of the conversation while nobody else hears it', () => {
    const clock = new MediaClock(20, { manual: true });
    const mixer = new Mixer(clock);
    const phone = new PhoneEndpoint('phone', clock);
    mixer.join('phone', phone);
    const taps: Int16Array[] = [];
    mixer.tap((mix) => taps.push(mix));
    tick(clock, 5);
    expect(taps).toHaveLength(5);
    expect(goertzel(Int16Array.from(taps.flatMap((mix) => [...mix])), 425)).toBeGreaterThan(3000);
    mixer.close();
    phone.close();
  });
});
