import { describe, expect, it } from 'vitest';
import { holdConversationName } from '../../../../server/flows/actions';
import { validateNcco } from '../../../../server/flows/validate-ncco';
import { whisperAgentNcco, whisperCallerNcco, whisperText } from '../../../../server/flows/whisper';
import { numberSettings, type WhisperSettings } from '../../../../server/numbers/schema';

const MUSIC = 'http://127.0.0.1:3030/assets/hold-music.wav';

describe('call whisper NCCOs (seed 002)', () => {
  const settings = numberSettings.parse({ flow: 'whisper', topic: 'the summer offer' }) as WhisperSettings;
  const conversation = holdConversationName('whisper', 'leg-123');

  it('holds the caller in a named conversation that does not start, with music', () => {
    const ncco = whisperCallerNcco(settings, { conversation, musicUrl: MUSIC });
    expect(ncco).toEqual([
      { action: 'talk', text: 'Please wait while we connect you' },
      { action: 'conversation', name: 'whisper-leg-123', startOnEnter: false, musicOnHoldUrl: [MUSIC], endOnExit: true },
    ]);
    expect(validateNcco(ncco).ok).toBe(true);
  });

  it('whispers the topic to the agent, then joins and starts the conversation', () => {
    const ncco = whisperAgentNcco(conversation, 'the summer offer');
    expect(ncco).toEqual([
      { action: 'talk', text: 'Incoming call regarding the summer offer' },
      { action: 'conversation', name: 'whisper-leg-123', startOnEnter: true },
    ]);
    expect(validateNcco(ncco).ok).toBe(true);
    expect(whisperText('the winter offer')).toBe('Incoming call regarding the winter offer');
  });

  it('uses a configured greeting', () => {
    const custom = numberSettings.parse({ flow: 'whisper', topic: 't', greeting: 'One moment please.' }) as WhisperSettings;
    expect(whisperCallerNcco(custom, { conversation, musicUrl: MUSIC })[0]).toEqual({ action: 'talk', text: 'One moment please.' });
  });
});
