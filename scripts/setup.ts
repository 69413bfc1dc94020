/**
 * `npm run setup`: create (or register) the Vonage application, link the numbers, and write
 * each number's call flow.
 *
 * Against the sandbox by default (its Applications API v2 and `POST /sandbox/v1/numbers`,
 * basic auth with the sandbox account's key and secret), against Vonage when
 * `VONAGE_API_KEY` and `VONAGE_API_SECRET` are set (Applications API v2 at
 * https://api.nexmo.com, number linking with the Numbers API `POST
 * https://rest.nexmo.com/number/update`). The application gets the voice capability
 * (answer_url GET, fallback_answer_url GET, event_url POST under `PUBLIC_URL`) and rtc. Its
 * private key is written to the data folder with mode 600 and never printed. Flows go into
 * the backend's PostgreSQL database through the storage layer: `DATABASE_URL`, or when it is
 * unset the embedded server of `DATA_DIR` (started for the run unless already running).
 * `npm run platform` uses the same functions to set up the demo.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { checkPhoneNumber } from '../common/phone-number';
import { locateIssue } from '../server/flows/issues';
import { queueName } from '../server/flows/targets';
import { NumberDirectory } from '../server/numbers/directory';
import { numberSettings, type NumberSettingsInput } from '../server/numbers/schema';
import { QueueDirectory } from '../server/queues/directory';
import { queueSettings, type QueueSettingsInput } from '../server/queues/schema';
import { checkDatabaseUrl, defaultDataDir } from '../server/config';
import { embeddedDir, startEmbeddedPostgres } from '../server/db/embedded';
import { openPgStorage } from '../server/storage/pg';
import type { Storage } from '../server/storage/types';

/** The application's name unless the plan gives one. */
export const APPLICATION_NAME = 'Switchboard contact center';

/** Where the application and numbers are set up: the sandbox or Vonage. */
export interface SetupTarget {
  kind: 'sandbox' | 'vonage';
  /** Base of the Applications API v2 (`{base}/v2/applications`). */
  applicationsUrl: string;
  /** `Authorization` header value for the account APIs (basic auth: key and secret). */
  authorization: string;
  /** Link one number (E.164 digits) to the application. */
  linkNumber(msisdn: string, applicationId: string): Promise<void>;
}

/** Account credentials: the API key and secret. */
export interface AccountCredentials {
  apiKey: string;
  apiSecret: string;
}

function basic({ apiKey, apiSecret }: AccountCredentials): string {
  return `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`;
}

async function failure(response: Response, what: string): Promise<Error> {
  const text = await response.text().catch(() => '');
  // Platforms answer RFC 7807 bodies; keep them short and free of anything we sent.
  return new Error(`${what}: HTTP ${response.status}${text ? ` ${text.slice(0, 300)}` : ''}`);
}

/** The sandbox at `sandboxUrl`, with its account's credentials. */
export function sandboxTarget(sandboxUrl: string, account: AccountCredentials): SetupTarget {
  const base = sandboxUrl.replace(/\/+$/, '');
  const authorization = basic(account);
  return {
    kind: 'sandbox',
    applicationsUrl: base,
    authorization,
    async linkNumber(msisdn, applicationId) {
      const response = await fetch(`${base}/sandbox/v1/numbers`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ msisdn, application_id: applicationId }),
      });
      if (!response.ok) throw await failure(response, `Could not link ${msisdn}`);
    },
  };
}

/**
 * Vonage, with the account's API key and secret.
 *
 * Numbers are linked with `POST {numbersUrl}/number/update`, form fields `country` (from the
 * number), `msisdn` and `app_id`, basic auth; Vonage answers `error-code` 200 on success.
 */
export function vonageTarget(account: AccountCredentials, urls: { applicationsUrl?: string; numbersUrl?: string } = {}): SetupTarget {
  const authorization = basic(account);
  const numbersUrl = (urls.numbersUrl ?? 'https://rest.nexmo.com').replace(/\/+$/, '');
  return {
    kind: 'vonage',
    applicationsUrl: (urls.applicationsUrl ?? 'https://api.nexmo.com').replace(/\/+$/, ''),
    authorization,
    async linkNumber(msisdn, applicationId) {
      const country = parsePhoneNumberFromString(`+${msisdn}`)?.country;
      if (!country) throw new Error(`Could not tell the country of ${msisdn}`);
      const response = await fetch(`${numbersUrl}/number/update`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ country, msisdn, app_id: applicationId }).toString(),
      });
      if (!response.ok) throw await failure(response, `Could not link ${msisdn}`);
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (body['error-code'] !== undefined && String(body['error-code']) !== '200') {
        throw new Error(`Could not link ${msisdn}: ${String(body['error-code-label'] ?? body['error-code'])}`);
      }
    },
  };
}

/** The Applications API body: voice webhooks under the public URL, and rtc for the Client SDK. */
export function applicationBody(name: string, publicUrl: string): Record<string, unknown> {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    name,
    capabilities: {
      voice: {
        webhooks: {
          answer_url: { address: `${base}/webhooks/answer`, http_method: 'GET' },
          fallback_answer_url: { address: `${base}/webhooks/fallback`, http_method: 'GET' },
          event_url: { address: `${base}/webhooks/event`, http_method: 'POST' },
        },
      },
      // rtc lets Client SDK users log in; its event_url is optional and the backend needs none.
      rtc: { webhooks: {} },
    },
  };
}

/** What was set up. */
export interface ApplicationSetup {
  id: string;
  /** The private key file (mode 600). */
  keyPath: string;
  created: boolean;
}

interface ApplicationState {
  application_id: string;
}

/** State and key files of a target inside the data folder. */
export function applicationFiles(dataDir: string, kind: SetupTarget['kind']): { state: string; key: string } {
  return kind === 'sandbox'
    ? { state: join(dataDir, 'platform.json'), key: join(dataDir, 'private.key') }
    : { state: join(dataDir, 'vonage-application.json'), key: join(dataDir, 'vonage-private.key') };
}

function readState(file: string): ApplicationState | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<ApplicationState>;
    return typeof value.application_id === 'string' ? { application_id: value.application_id } : null;
  } catch {
    return null;
  }
}

/**
 * Create the application, or point an existing one's webhooks at `publicUrl`.
 *
 * An application is reused when `existing` names one (registering an application made in
 * the dashboard) or the data folder remembers one whose key is still there and which the
 * platform still has. A new application's private key is written with mode 600.
 */
export async function ensureApplication(
  target: SetupTarget,
  options: { name: string; publicUrl: string; dataDir: string; existing?: { id: string; keyPath: string } },
): Promise<ApplicationSetup> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const files = applicationFiles(options.dataDir, target.kind);
  const headers = { authorization: target.authorization, 'content-type': 'application/json', accept: 'application/json' };
  const body = JSON.stringify(applicationBody(options.name, options.publicUrl));
  const known = options.existing ?? (() => {
    const state = readState(files.state);
    return state && existsSync(files.key) ? { id: state.application_id, keyPath: files.key } : undefined;
  })();
  if (known) {
    const url = `${target.applicationsUrl}/v2/applications/${encodeURIComponent(known.id)}`;
    const response = await fetch(url, { method: 'PUT', headers, body });
    if (response.ok) return { id: known.id, keyPath: known.keyPath, created: false };
    // Registering: the operator's application must exist. Remembered: the platform may have lost it.
    if (options.existing || response.status !== 404) throw await failure(response, `Could not update application ${known.id}`);
  }
  const response = await fetch(`${target.applicationsUrl}/v2/applications`, { method: 'POST', headers, body });
  if (!response.ok) throw await failure(response, 'Could not create the application');
  const created = (await response.json()) as { id?: unknown; keys?: { private_key?: unknown } };
  if (typeof created.id !== 'string' || typeof created.keys?.private_key !== 'string') {
    throw new Error('The Applications API answered without an application id and private key');
  }
  writeFileSync(files.key, created.keys.private_key, { mode: 0o600 });
  writeFileSync(files.state, JSON.stringify({ application_id: created.id } satisfies ApplicationState, null, 2), { mode: 0o600 });
  return { id: created.id, keyPath: files.key, created: true };
}

/** Numbers and queues to configure: each number's flow, each queue's settings. */
export interface SetupPlan {
  application_name?: string;
  queues?: Record<string, QueueSettingsInput>;
  numbers: Record<string, NumberSettingsInput>;
}

/**
 * The demo set `npm run platform` and `npm start` configure: the contact number on the
 * seed's inbound flow (longest-idle agent, Jane when nobody is available), the seed's IVR,
 * two call-whisper campaign numbers (seed 002) and a support queue (seed 003).
 */
export function demoPlan(contactNumber: string): SetupPlan {
  return {
    queues: {
      support: { label: 'Support', announce_position: true, max_wait_s: 120, max_length: 10, on_timeout: { type: 'voicemail' }, on_overflow: { type: 'voicemail' }, on_no_agents: { type: 'voicemail' } },
    },
    numbers: {
      [contactNumber]: { flow: 'inbound', label: 'Contact center', default_agent: 'Jane' },
      '14155550188': { flow: 'ivr', label: 'Menu (seed IVR)', fallback: { type: 'queue', queue: 'support' } },
      '14155550177': { flow: 'whisper', label: 'Summer campaign', topic: 'the summer offer' },
      '14155550166': { flow: 'whisper', label: 'Winter campaign', topic: 'the winter offer' },
      '14155550155': { flow: 'queue', label: 'Support line', queue: 'support' },
    },
  };
}

/** A plan whose every number and setting was checked, ready to write. */
export interface CheckedPlan {
  name: string;
  queues: Array<{ name: string; settings: ReturnType<typeof queueSettings.parse> }>;
  numbers: Array<{ number: string; settings: ReturnType<typeof numberSettings.parse> }>;
}

/** Validate a plan; throws an Error naming the bad field (e.g. `numbers.14155550177.topic`). */
export function checkPlan(plan: unknown): CheckedPlan {
  if (!plan || typeof plan !== 'object' || Array.isArray(plan)) throw new Error('The setup plan must be a JSON object');
  const { application_name, queues = {}, numbers } = plan as Partial<SetupPlan>;
  if (!numbers || typeof numbers !== 'object') throw new Error('The setup plan needs "numbers": { "<E.164 number>": { "flow": … } }');
  const checked: CheckedPlan = { name: typeof application_name === 'string' && application_name.trim() ? application_name.trim() : APPLICATION_NAME, queues: [], numbers: [] };
  for (const [name, settings] of Object.entries(queues)) {
    if (!queueName.safeParse(name).success) throw new Error(`queues.${name}: a queue name holds letters, digits, _ and - only (at most 40)`);
    const parsed = queueSettings.safeParse(settings);
    if (!parsed.success) {
      const issue = locateIssue(parsed.error, settings, `queues.${name}`);
      throw new Error(`${issue.field} ${issue.message}`);
    }
    checked.queues.push({ name, settings: parsed.data });
  }
  for (const [raw, settings] of Object.entries(numbers)) {
    const number = checkPhoneNumber(raw);
    if (!number.ok) throw new Error(`numbers.${raw}: ${number.message}`);
    const parsed = numberSettings.safeParse(settings);
    if (!parsed.success) {
      const issue = locateIssue(parsed.error, settings, `numbers.${raw}`);
      throw new Error(`${issue.field} ${issue.message}`);
    }
    checked.numbers.push({ number: number.digits, settings: parsed.data });
  }
  return checked;
}

/** What {@link writeFlows} did. */
export interface FlowsWritten {
  written: string[];
  kept: string[];
}

/**
 * Write the plan's queues and numbers into the backend's storage (the caller opens and
 * closes it).
 *
 * With `overwrite` false, numbers and queues that already have a configuration keep it (the
 * demo must not undo an operator's changes on every start). A running backend reads the
 * database at start; change flows live with the admin API.
 */
export async function writeFlows(storage: Storage, plan: CheckedPlan, overwrite: boolean): Promise<FlowsWritten> {
  const now = () => new Date();
  const queues = await QueueDirectory.load(storage.queues, now);
  const numbers = await NumberDirectory.load(storage.numbers, now);
  const result: FlowsWritten = { written: [], kept: [] };
  for (const queue of plan.queues) {
    if (!overwrite && queues.get(queue.name)) continue;
    await queues.put(queue.name, queue.settings);
  }
  for (const { number, settings } of plan.numbers) {
    if (!overwrite && numbers.get(number)) {
      result.kept.push(number);
      continue;
    }
    if (settings.flow === 'queue' && !queues.get(settings.queue)) throw new Error(`numbers.${number}.queue names no queue "${settings.queue}"`);
    await numbers.put(number, settings);
    result.written.push(number);
  }
  return result;
}

/** Link every number of the plan to the application. */
export async function linkNumbers(target: SetupTarget, applicationId: string, plan: CheckedPlan): Promise<void> {
  for (const { number } of plan.numbers) await target.linkNumber(number, applicationId);
}

/** One line per number: the number, its flow and what it does. */
export function describeNumbers(plan: CheckedPlan): string[] {
  return plan.numbers.map(({ number, settings }) => {
    const what =
      settings.flow === 'whisper'
        ? `call whisper, topic "${settings.topic}"`
        : settings.flow === 'queue'
          ? `queue "${settings.queue}"`
          : settings.flow === 'ivr'
            ? `IVR: ${settings.options.map((o) => `${o.digit} → ${o.target.type === 'agent' ? o.target.agent : o.target.type}`).join(', ')}`
            : settings.flow === 'inbound'
              ? `inbound: ${settings.default_agent ? `${settings.default_agent} while available, else ` : ''}longest-idle agent`
              : 'custom NCCO';
    return `+${number}  ${settings.label ? `${settings.label}: ` : ''}${what}`;
  });
}

/** Everything {@link runSetup} needs. */
export interface SetupOptions {
  target: SetupTarget;
  publicUrl: string;
  dataDir: string;
  plan: CheckedPlan;
  /** The backend's PostgreSQL database (`postgres://…`), where the flows are written. */
  databaseUrl: string;
  /** Register this application instead of creating one. */
  existing?: { id: string; keyPath: string };
  /** Replace flows already configured (true for `npm run setup`, false for the demo). */
  overwriteFlows: boolean;
}

/** The outcome of {@link runSetup}. */
export interface SetupResult {
  application: ApplicationSetup;
  flows: FlowsWritten;
}

/** Application, numbers, flows: in that order, stopping at the first failure. */
export async function runSetup(options: SetupOptions): Promise<SetupResult> {
  const application = await ensureApplication(options.target, {
    name: options.plan.name,
    publicUrl: options.publicUrl,
    dataDir: options.dataDir,
    ...(options.existing ? { existing: options.existing } : {}),
  });
  await linkNumbers(options.target, application.id, options.plan);
  const storage = await openPgStorage(options.databaseUrl);
  try {
    const flows = await writeFlows(storage, options.plan, options.overwriteFlows);
    return { application, flows };
  } finally {
    await storage.close();
  }
}

/** Read the sandbox account's credentials from its state file under the data folder. */
export function sandboxAccount(dataDir: string): AccountCredentials {
  const file = join(dataDir, 'sandbox', 'state.json');
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as { account?: { api_key?: unknown; api_secret?: unknown } };
    if (typeof state.account?.api_key === 'string' && typeof state.account.api_secret === 'string') {
      return { apiKey: state.account.api_key, apiSecret: state.account.api_secret };
    }
  } catch {
    // fall through
  }
  throw new Error(`No sandbox account found in ${file}: start the sandbox once with the same DATA_DIR, or set SANDBOX_API_KEY and SANDBOX_API_SECRET`);
}

/** The data folder of `npm run setup`: `DATA_DIR`, else the backend's default. */
export function setupDataDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.DATA_DIR || defaultDataDir(env));
}

/**
 * Build the options of `npm run setup` from the environment and arguments.
 *
 * `DATABASE_URL` is required here; the command line sets it to the embedded server's when
 * the operator did not.
 */
export function setupFromEnv(env: NodeJS.ProcessEnv, argv: readonly string[]): SetupOptions {
  const dataDir = setupDataDir(env);
  const publicUrl = (env.PUBLIC_URL || `http://127.0.0.1:${env.SERVER_PORT || 3030}`).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new Error(`PUBLIC_URL must be an absolute URL, got "${publicUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('PUBLIC_URL must use http or https');

  const planIndex = argv.indexOf('--plan');
  const planFile = planIndex >= 0 ? argv[planIndex + 1] : env.SETUP_PLAN;
  let rawPlan: unknown;
  if (planFile) {
    try {
      rawPlan = JSON.parse(readFileSync(planFile, 'utf8'));
    } catch (error) {
      throw new Error(`Cannot read the setup plan ${planFile}: ${(error as Error).message}`);
    }
  } else {
    const contact = checkPhoneNumber(env.CONTACT_NUMBER || '14155550199');
    if (!contact.ok) throw new Error(`CONTACT_NUMBER: ${contact.message}`);
    rawPlan = demoPlan(contact.digits);
  }
  const plan = checkPlan(rawPlan);

  let target: SetupTarget;
  if (env.VONAGE_API_KEY || env.VONAGE_API_SECRET) {
    if (!env.VONAGE_API_KEY || !env.VONAGE_API_SECRET) throw new Error('Set both VONAGE_API_KEY and VONAGE_API_SECRET');
    target = vonageTarget(
      { apiKey: env.VONAGE_API_KEY, apiSecret: env.VONAGE_API_SECRET },
      { ...(env.VONAGE_APPLICATIONS_URL ? { applicationsUrl: env.VONAGE_APPLICATIONS_URL } : {}), ...(env.VONAGE_NUMBERS_URL ? { numbersUrl: env.VONAGE_NUMBERS_URL } : {}) },
    );
  } else {
    const account = env.SANDBOX_API_KEY && env.SANDBOX_API_SECRET ? { apiKey: env.SANDBOX_API_KEY, apiSecret: env.SANDBOX_API_SECRET } : sandboxAccount(dataDir);
    target = sandboxTarget(env.SANDBOX_URL || `http://127.0.0.1:${env.SANDBOX_PORT || 3040}`, account);
  }

  const existing =
    env.VONAGE_APPLICATION_ID && env.VONAGE_PRIVATE_KEY_PATH ? { id: env.VONAGE_APPLICATION_ID, keyPath: resolve(env.VONAGE_PRIVATE_KEY_PATH) } : undefined;
  if (existing && !existsSync(existing.keyPath)) throw new Error(`VONAGE_PRIVATE_KEY_PATH does not name a file: ${existing.keyPath}`);
  const databaseRaw = env.DATABASE_URL?.trim();
  if (!databaseRaw) throw new Error('DATABASE_URL is required (the backend\'s PostgreSQL database)');
  const databaseUrl = checkDatabaseUrl(databaseRaw);
  return { target, publicUrl, dataDir, plan, databaseUrl, ...(existing ? { existing } : {}), overwriteFlows: !argv.includes('--keep-existing-flows') };
}

/** The report `npm run setup` prints: ids, paths and numbers, never the key. */
export function describeSetup(options: SetupOptions, result: SetupResult): string {
  const where = options.target.kind === 'sandbox' ? `the sandbox at ${options.target.applicationsUrl}` : 'Vonage';
  return [
    `Application ${result.application.created ? 'created' : 'updated'} on ${where}: ${result.application.id}`,
    `  Webhooks:        ${options.publicUrl}/webhooks/answer (GET), /webhooks/fallback (GET), /webhooks/event (POST)`,
    `  Private key:     ${result.application.keyPath} (mode 600)`,
    'Numbers linked, with their flows:',
    ...describeNumbers(options.plan).map((line) => `  ${line}`),
    ...(result.flows.kept.length > 0 ? [`  (kept the existing flow of ${result.flows.kept.map((n) => `+${n}`).join(', ')})`] : []),
    'Start the backend with:',
    `  VONAGE_APPLICATION_ID=${result.application.id} VONAGE_PRIVATE_KEY_PATH=${result.application.keyPath} DATA_DIR=${options.dataDir} PUBLIC_URL=${options.publicUrl}` +
      (options.target.kind === 'sandbox' ? ` VONAGE_API_URL=${options.target.applicationsUrl} VONAGE_WS_URL=${options.target.applicationsUrl}` : '') +
      ' npx tsx server/index.ts',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Without DATABASE_URL, the data folder's embedded server (reused when the platform runs it; stopped after otherwise).
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  try {
    let env = process.env;
    if (!env.DATABASE_URL?.trim()) {
      embedded = await startEmbeddedPostgres({ dir: embeddedDir(setupDataDir(env)) });
      env = { ...env, DATABASE_URL: embedded.url };
    }
    const options = setupFromEnv(env, process.argv.slice(2));
    const result = await runSetup(options);
    console.log(describeSetup(options, result));
  } catch (error) {
    console.error(`Setup failed: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    await embedded?.stop();
  }
}
