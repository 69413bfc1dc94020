import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/config';
import { createTestFiles, testConfig, type TestFiles } from './helpers';

let files: TestFiles;
beforeAll(() => {
  files = createTestFiles();
});
afterAll(() => {
  files.remove();
});

describe('configuration of the admin token, webhook signatures and presence', () => {
  it('has defaults: generated admin token, unsigned webhooks, 30 s wrap-up and grace, 60 s reservations', () => {
    expect(testConfig(files)).toMatchObject({ adminToken: null, signatureSecret: null, wrapUpS: 30, presenceGraceS: 30, reservationTtlS: 60 });
    expect(testConfig(files, { WRAP_UP_S: '0', PRESENCE_GRACE_S: '5', RESERVATION_TTL_S: '90' })).toMatchObject({
      wrapUpS: 0,
      presenceGraceS: 5,
      reservationTtlS: 90,
    });
  });

  const bad: Array<[string, string]> = [
    ['ADMIN_TOKEN', 'too-short'],
    ['ADMIN_TOKEN', 'has a space in it and is long enough anyway'],
    ['VONAGE_SIGNATURE_SECRET', 'short'],
    ['WRAP_UP_S', '-1'],
    ['WRAP_UP_S', '3601'],
    ['PRESENCE_GRACE_S', '0'],
    ['PRESENCE_GRACE_S', 'soon'],
    ['RESERVATION_TTL_S', '4'],
    ['RESERVATION_TTL_S', '3601'],
    ['RESERVATION_TTL_S', 'a minute'],
  ];
  it.each(bad)('rejects %s=%s naming the variable', (variable, value) => {
    let error: unknown;
    try {
      testConfig(files, { [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    // A bad secret is never echoed back.
    if (variable === 'ADMIN_TOKEN' || variable === 'VONAGE_SIGNATURE_SECRET') expect((error as Error).message).not.toContain(value);
  });
});
