/**
 * The sandbox's durable state: applications and numbers, as Vonage keeps them for an account.
 *
 * One JSON file under DATA_DIR, written atomically (temp file + rename) so a crash never
 * leaves half a file. Calls and sessions are live state and are not stored.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** One webhook as the Applications API describes it. */
export interface Webhook {
  address: string;
  http_method: 'GET' | 'POST';
  connect_timeout?: number;
  socket_timeout?: number;
}

/** A Vonage application: its identity, public key and webhooks. */
export interface ApplicationRecord {
  id: string;
  name: string;
  public_key: string;
  capabilities: {
    voice?: {
      webhooks: { answer_url?: Webhook; event_url?: Webhook; fallback_answer_url?: Webhook };
      /** Whether voice webhooks carry a signed JWT; Vonage signs them unless this is false. */
      signed_callbacks?: boolean;
      /** Other documented voice settings (conversations_ttl, region, …): kept and returned. */
      [setting: string]: unknown;
    };
    rtc?: { webhooks: { event_url?: Webhook }; [setting: string]: unknown };
    /** Every other capability the application was given (messages, vbc, verify, …), as sent. */
    [capability: string]: unknown;
  };
  created_at: string;
}

/** The kinds of number Vonage sells. */
export type NumberType = 'landline' | 'mobile-lvn' | 'landline-toll-free';

/**
 * A virtual number the account owns, linked to at most one application. The optional
 * fields are the Numbers API's settings (`POST /number/update`), kept as given.
 */
export interface NumberRecord {
  msisdn: string;
  country: string;
  type: NumberType;
  application_id: string | null;
  /** `SMS`, `VOICE`, `MMS`; numbers registered without the Numbers API have none listed. */
  features?: string[];
  voiceCallbackType?: string;
  voiceCallbackValue?: string;
  voiceStatusCallback?: string;
  moHttpUrl?: string;
  moSmppSysType?: string;
}

/**
 * The account's credentials: API key and secret (Applications API, basic auth) and the
 * signature secret that signs every webhook the sandbox sends (HS256, as Vonage does).
 */
export interface AccountRecord {
  api_key: string;
  api_secret: string;
  signature_secret: string;
}

interface StateFile {
  account: AccountRecord;
  applications: Record<string, ApplicationRecord>;
  numbers: Record<string, NumberRecord>;
}

/** Loads and saves the state file. */
export class SandboxStore {
  private state: StateFile;

  constructor(private readonly file: string) {
    this.state = this.load();
  }

  get account(): AccountRecord {
    return this.state.account;
  }

  application(id: string): ApplicationRecord | undefined {
    // Own keys only: an id like "__proto__" must not reach Object.prototype.
    return Object.hasOwn(this.state.applications, id) ? this.state.applications[id] : undefined;
  }

  applications(): ApplicationRecord[] {
    return Object.values(this.state.applications);
  }

  saveApplication(app: ApplicationRecord): void {
    this.state.applications[app.id] = app;
    this.persist();
  }

  deleteApplication(id: string): boolean {
    if (!this.application(id)) return false;
    delete this.state.applications[id];
    for (const n of Object.values(this.state.numbers)) if (n.application_id === id) n.application_id = null;
    this.persist();
    return true;
  }

  number(msisdn: string): NumberRecord | undefined {
    return Object.hasOwn(this.state.numbers, msisdn) ? this.state.numbers[msisdn] : undefined;
  }

  numbers(): NumberRecord[] {
    return Object.values(this.state.numbers);
  }

  saveNumber(record: NumberRecord): void {
    this.state.numbers[record.msisdn] = record;
    this.persist();
  }

  /** Releases a number the account owns (Numbers API cancel); false when it owns none such. */
  deleteNumber(msisdn: string): boolean {
    if (!this.number(msisdn)) return false;
    delete this.state.numbers[msisdn];
    this.persist();
    return true;
  }

  private load(): StateFile {
    let state: StateFile;
    try {
      state = JSON.parse(readFileSync(this.file, 'utf8')) as StateFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Sandbox state file ${this.file} is unreadable: ${(error as Error).message}`);
      const fresh: StateFile = {
        account: {
          api_key: randomBytes(4).toString('hex'),
          api_secret: randomBytes(12).toString('base64url'),
          signature_secret: newSignatureSecret(),
        },
        applications: {},
        numbers: {},
      };
      this.state = fresh;
      this.persist();
      return fresh;
    }
    // State files written before webhooks were signed have no signature secret: add one.
    if (!state.account.signature_secret) {
      state.account.signature_secret = newSignatureSecret();
      this.state = state;
      this.persist();
    }
    return state;
  }

  private persist(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}

/** A signature secret: 32 random bytes, well over the 32 bits Vonage recommends at least. */
function newSignatureSecret(): string {
  return randomBytes(32).toString('base64url');
}
