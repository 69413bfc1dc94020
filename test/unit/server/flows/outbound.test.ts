import { describe, expect, it } from 'vitest';
import { dialledNumber, NO_CALLER_ID, outboundCallNcco } from '../../../../server/flows/outbound';
import { validateNcco } from '../../../../server/flows/validate-ncco';

describe('outbound flow NCCO', () => {
  it("is the seed's Outbound Call NCCO with the dialled number and the contact-center number", () => {
    const ncco = outboundCallNcco('+14155550100', '14155550199');
    expect(ncco).toEqual([
      { action: 'talk', text: 'Please wait while we connect you.' },
      { action: 'connect', timeout: 20, from: '14155550199', endpoint: [{ type: 'phone', number: '14155550100' }] },
    ]);
    expect(validateNcco(ncco).ok).toBe(true);
  });

  it('accepts digits without a plus and ignores spaces and dashes', () => {
    expect(outboundCallNcco('1 415-555-0100', '14155550199')[1]).toMatchObject({ endpoint: [{ type: 'phone', number: '14155550100' }] });
  });

  it.each([
    ['letters', 'call-jane'],
    ['too short', '+1415'],
    ['not a real number', '+999123456'],
    ['empty', ''],
    ['missing', undefined],
  ])('speaks an error for a number that is %s', (_name, to) => {
    const ncco = outboundCallNcco(to, '14155550199');
    expect(ncco).toHaveLength(1);
    expect(ncco[0]).toMatchObject({ action: 'talk', text: expect.stringContaining('is not a valid phone number') });
    expect(ncco.some((a) => a.action === 'connect')).toBe(false);
  });

  it('reads the digits of a bad number one by one', () => {
    expect(outboundCallNcco('+1415', '14155550199')[0]).toMatchObject({ text: expect.stringContaining(', 1 4 1 5,') });
  });

  it('explains when no contact-center number is configured', () => {
    expect(outboundCallNcco('+14155550100', null)).toEqual([{ action: 'talk', text: NO_CALLER_ID }]);
  });

  it('takes the number from to, or else from the serverCall context', () => {
    expect(dialledNumber({ to: '14155550100', custom_data: { to: '14155550111' } })).toBe('14155550100');
    expect(dialledNumber({ custom_data: { to: '14155550111' } })).toBe('14155550111');
    expect(dialledNumber({ custom_data: { to: 5 } })).toBeUndefined();
    expect(dialledNumber({})).toBeUndefined();
  });
});
