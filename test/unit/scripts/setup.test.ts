/**
 * `npm run setup` against a started sandbox, and against a stand-in for Vonage's account APIs.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { NumberDirectory } from '../../../server/numbers/directory';
import { openPgStorage } from '../../../server/storage/pg';
import {
  checkPlan,
  demoPlan,
  describeSetup,
  ensureApplication,
  runSetup,
  sandboxTarget,
  setupFromEnv,
  vonageTarget,
  type SetupOptions,
} from '../../../scripts/setup';
import { createTestDatabase, type TestDatabase } from '../../support/test-database';

const PUBLIC_URL = 'https://switchboard.example.com';
let dataDir: string;
let sandbox: RunningSandbox;
let account: { apiKey: string; apiSecret: string };
/** The backend's database the setup writes flows into. */
let database: TestDatabase;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'switchboard-setup-'));
  database = await createTestDatabase();
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1', dataDir: join(dataDir, 'sandbox'), mediaAddress: '127.0.0.1', verbose: false });
  account = { apiKey: sandbox.store.account.api_key, apiSecret: sandbox.store.account.api_secret };
});
afterAll(async () => {
  await sandbox?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function flowsIn(url: string) {
  const storage = await openPgStorage(url);
  try {
    return (await NumberDirectory.load(storage.numbers, () => new Date())).list();
  } finally {
    await storage.close();
  }
}

describe('setup against the sandbox', () => {
  let options: SetupOptions;
  let firstId: string;

  it('creates the application with voice and rtc webhooks, keeps the key private, links the numbers and writes their flows', async () => {
    options = { target: sandboxTarget(sandbox.url, account), publicUrl: PUBLIC_URL, dataDir, databaseUrl: database.url, plan: checkPlan(demoPlan('14155550199')), overwriteFlows: true };
    const result = await runSetup(options);
    firstId = result.application.id;
    expect(result.application.created).toBe(true);

    const app = sandbox.store.application(firstId)!;
    expect(app.name).toBe('Switchboard contact center');
    expect(app.capabilities.voice?.webhooks).toEqual({
      answer_url: { address: `${PUBLIC_URL}/webhooks/answer`, http_method: 'GET' },
      fallback_answer_url: { address: `${PUBLIC_URL}/webhooks/fallback`, http_method: 'GET' },
      event_url: { address: `${PUBLIC_URL}/webhooks/event`, http_method: 'POST' },
    });
    expect(app.capabilities.rtc).toBeDefined();

    expect(statSync(result.application.keyPath).mode & 0o777).toBe(0o600);
    expect(createPrivateKey(readFileSync(result.application.keyPath, 'utf8')).asymmetricKeyType).toBe('rsa');

    for (const number of ['14155550199', '14155550188', '14155550177', '14155550166', '14155550155']) {
      expect(sandbox.store.number(number)?.application_id).toBe(firstId);
    }
    const flows = await flowsIn(database.url);
    expect(flows.map((f) => [f.number, f.settings.flow])).toEqual([
      ['14155550155', 'queue'],
      ['14155550166', 'whisper'],
      ['14155550177', 'whisper'],
      ['14155550188', 'ivr'],
      ['14155550199', 'inbound'],
    ]);
    expect(flows.find((f) => f.number === '14155550177')?.settings).toMatchObject({ topic: 'the summer offer' });

    const report = describeSetup(options, result);
    expect(report).toContain(firstId);
    expect(report).toContain('+14155550177  Summer campaign: call whisper, topic "the summer offer"');
    expect(report).not.toMatch(/PRIVATE KEY/);
  });

  it('updates the same application on a second run, keeping flows unless told to replace them', async () => {
    const changed = checkPlan({ numbers: { '14155550177': { flow: 'whisper', topic: 'the autumn offer' } } });
    const kept = await runSetup({ ...options, publicUrl: 'https://moved.example.com', plan: changed, overwriteFlows: false });
    expect(kept.application).toMatchObject({ id: firstId, created: false });
    expect(kept.flows).toEqual({ written: [], kept: ['14155550177'] });
    expect(sandbox.store.application(firstId)?.capabilities.voice?.webhooks.answer_url?.address).toBe('https://moved.example.com/webhooks/answer');
    expect((await flowsIn(database.url)).find((f) => f.number === '14155550177')?.settings).toMatchObject({ topic: 'the summer offer' });

    const replaced = await runSetup({ ...options, plan: changed, overwriteFlows: true });
    expect(replaced.flows.written).toEqual(['14155550177']);
    expect((await flowsIn(database.url)).find((f) => f.number === '14155550177')?.settings).toMatchObject({ topic: 'the autumn offer' });
  });

  it('creates a new application when the platform no longer has the remembered one', async () => {
    sandbox.store.deleteApplication(firstId);
    const again = await ensureApplication(sandboxTarget(sandbox.url, account), { name: 'x', publicUrl: PUBLIC_URL, dataDir });
    expect(again.created).toBe(true);
    expect(again.id).not.toBe(firstId);
  });

  it('registers an existing application and refuses one that does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-setup-reg-'));
    try {
      const made = await ensureApplication(sandboxTarget(sandbox.url, account), { name: 'Made in the dashboard', publicUrl: PUBLIC_URL, dataDir: dir });
      const registered = await ensureApplication(sandboxTarget(sandbox.url, account), { name: 'Switchboard', publicUrl: PUBLIC_URL, dataDir: dir, existing: { id: made.id, keyPath: made.keyPath } });
      expect(registered).toEqual({ id: made.id, keyPath: made.keyPath, created: false });
      expect(sandbox.store.application(made.id)?.name).toBe('Switchboard');
      await expect(
        ensureApplication(sandboxTarget(sandbox.url, account), { name: 'x', publicUrl: PUBLIC_URL, dataDir: dir, existing: { id: 'no-such-app', keyPath: made.keyPath } }),
      ).rejects.toThrow(/HTTP 404/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails clearly with wrong account credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-setup-bad-'));
    try {
      await expect(
        runSetup({ target: sandboxTarget(sandbox.url, { apiKey: 'wrong', apiSecret: 'wrong' }), publicUrl: PUBLIC_URL, dataDir: dir, databaseUrl: database.url, plan: checkPlan(demoPlan('14155550199')), overwriteFlows: true }),
      ).rejects.toThrow(/Could not create the application: HTTP 401/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as npm run setup, reading the sandbox account from the data folder and printing no secret', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/setup.ts'], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: database.url, SANDBOX_URL: sandbox.url, PUBLIC_URL, VONAGE_API_KEY: '', VONAGE_API_SECRET: '' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^Application updated on the sandbox/);
    expect(stdout).toContain('+14155550155  Support line: queue "support"');
    expect(stdout).not.toMatch(/PRIVATE KEY|api_secret/);
    expect(stdout).not.toContain(account.apiSecret);
  });
});

describe('setup plans and settings', () => {
  it.each<[string, unknown, RegExp]>([
    ['not an object', [], /must be a JSON object/],
    ['without numbers', { queues: {} }, /needs "numbers"/],
    ['a bad number', { numbers: { '12': { flow: 'inbound' } } }, /^numbers\.12: /],
    ['a whisper without topic', { numbers: { '14155550177': { flow: 'whisper' } } }, /^numbers\.14155550177\.topic is required/],
    ['a bad queue name', { queues: { 'a b': {} }, numbers: {} }, /^queues\.a b: /],
    ['a bad queue setting', { queues: { support: { max_length: 0 } }, numbers: {} }, /^queues\.support\.max_length /],
  ])('refuses a plan with %s, naming the field', (_name, plan, message) => {
    expect(() => checkPlan(plan)).toThrow(message);
  });

  it('refuses half of the Vonage credentials and a PUBLIC_URL that is not http(s)', () => {
    expect(() => setupFromEnv({ DATA_DIR: dataDir, VONAGE_API_KEY: 'k' }, [])).toThrow(/both VONAGE_API_KEY and VONAGE_API_SECRET/);
    expect(() => setupFromEnv({ DATA_DIR: dataDir, PUBLIC_URL: 'ftp://x' }, [])).toThrow(/PUBLIC_URL must use http or https/);
    expect(() => setupFromEnv({ DATA_DIR: join(dataDir, 'nowhere') }, [])).toThrow(/No sandbox account found/);
  });

  it('needs DATABASE_URL, a PostgreSQL URL, and never repeats it', () => {
    const env = { DATA_DIR: dataDir, SANDBOX_API_KEY: 'k', SANDBOX_API_SECRET: 's' };
    expect(() => setupFromEnv(env, [])).toThrow(/^DATABASE_URL is required/);
    expect(() => setupFromEnv({ ...env, DATABASE_URL: 'mysql://u:secret-pw@h/db' }, [])).toThrow(/^DATABASE_URL must use postgres or postgresql, got "mysql:"$/);
    expect(setupFromEnv({ ...env, DATABASE_URL: database.url }, []).databaseUrl).toBe(database.url);
  });
});

describe('setup against Vonage (a stand-in for its account APIs)', () => {
  let server: Server;
  let base: string;
  const requests: Array<{ method: string; url: string; auth: string; type: string; body: string }> = [];
  let numberAnswer = { 'error-code': '200', 'error-code-label': 'success' };
  const realKey = '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n';

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization ?? '', type: req.headers['content-type'] ?? '', body });
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v2/applications' && req.method === 'POST') {
          res.statusCode = 201;
          res.end(JSON.stringify({ id: 'vonage-app-1', keys: { public_key: 'pub', private_key: realKey } }));
        } else if (req.url === '/number/update') {
          res.end(JSON.stringify(numberAnswer));
        } else {
          res.statusCode = 404;
          res.end('{}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('creates the application and links each number with number/update (country, msisdn, app_id; basic auth)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-setup-vonage-'));
    try {
      const target = vonageTarget({ apiKey: 'key1', apiSecret: 'secret1' }, { applicationsUrl: base, numbersUrl: base });
      const plan = checkPlan({ numbers: { '+14155550177': { flow: 'whisper', topic: 'the summer offer' }, '442071838750': { flow: 'inbound' } } });
      const result = await runSetup({ target, publicUrl: PUBLIC_URL, dataDir: dir, databaseUrl: database.url, plan, overwriteFlows: true });
      expect(result.application).toMatchObject({ id: 'vonage-app-1', created: true, keyPath: join(dir, 'vonage-private.key') });
      expect(statSync(result.application.keyPath).mode & 0o777).toBe(0o600);
      const expectedAuth = `Basic ${Buffer.from('key1:secret1').toString('base64')}`;
      const create = requests.find((r) => r.url === '/v2/applications')!;
      expect(create.auth).toBe(expectedAuth);
      expect(JSON.parse(create.body)).toMatchObject({ capabilities: { voice: { webhooks: { answer_url: { address: `${PUBLIC_URL}/webhooks/answer` } } }, rtc: {} } });
      const links = requests.filter((r) => r.url === '/number/update');
      expect(links.map((r) => Object.fromEntries(new URLSearchParams(r.body)))).toEqual([
        { country: 'US', msisdn: '14155550177', app_id: 'vonage-app-1' },
        { country: 'GB', msisdn: '442071838750', app_id: 'vonage-app-1' },
      ]);
      expect(links.every((r) => r.auth === expectedAuth && r.type === 'application/x-www-form-urlencoded')).toBe(true);
      expect(links.every((r) => !r.url.includes('secret1'))).toBe(true);

      numberAnswer = { 'error-code': '420', 'error-code-label': 'Number not owned by this account' };
      await expect(runSetup({ target, publicUrl: PUBLIC_URL, dataDir: dir, databaseUrl: database.url, plan, overwriteFlows: true })).rejects.toThrow(/Number not owned/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
