/**
 * Numbers API (Vonage's `rest.nexmo.com` paths): search the pool of fictional numbers, buy,
 * link to an application, cancel, list the account's numbers. The server SDK's Numbers client
 * works with `restHost` set to the sandbox.
 *
 * As Vonage takes them: parameters in the query string (GET) or a form-encoded body (POST;
 * query parameters count too), credentials as basic auth or `api_key`/`api_secret`
 * parameters. Answers are JSON: `{count, numbers}` for the lists, `{"error-code": "200",
 * "error-code-label": "success"}` for the changes, HTTP 401 `authentication failed`, and HTTP
 * 420 with a label saying what failed (bad parameters, a number not in the pool or already
 * owned, one the account does not own, an unknown application).
 *
 * Numbers live in the store next to those registered with `POST /sandbox/v1/numbers`: what
 * the account owns is one list, persisted in the state file; a number linked here routes its
 * calls to the application's answer_url exactly as one linked there. Forwarding a number
 * straight to a phone or SIP URI (`voiceCallbackType` tel / sip) is not simulated and is
 * refused; `moHttpUrl` and `voiceStatusCallback` are kept and listed but nothing is sent to them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NumberRecord, SandboxStore } from '../state/store';
import type { NumberPool } from '../state/number-pool';
import { accountKeyOk, basicAuthOk } from './account-auth';

type Params = Record<string, string>;

/** The most results a page holds (`size`), and how many unless asked. */
const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 10;
const FEATURES = ['SMS', 'VOICE', 'MMS'];

/** A failure Vonage answers with HTTP 420 and this label. */
class MethodFailed extends Error {}

function answer(reply: FastifyReply, status: number, label: string): FastifyReply {
  return reply.code(status).send({ 'error-code': String(status), 'error-code-label': label });
}

/**
 * Every parameter of a request, strings only: the query, then a POST's form fields. A JSON
 * body is not read (Vonage's REST APIs take forms), so its fields count as missing.
 */
function paramsOf(request: FastifyRequest): Params {
  const params: Params = {};
  const form = /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '');
  for (const source of [request.query, form ? request.body : undefined]) {
    if (!source || typeof source !== 'object') continue;
    for (const [key, value] of Object.entries(source)) if (typeof value === 'string') params[key] = value;
  }
  return params;
}

function country(params: Params, required: boolean): string | undefined {
  const value = params.country;
  if (value === undefined || value === '') {
    if (required) throw new MethodFailed('missing parameter: country');
    return undefined;
  }
  if (!/^[A-Za-z]{2}$/.test(value)) throw new MethodFailed('invalid parameter: country must be a two-letter ISO 3166-1 code');
  return value.toUpperCase();
}

function msisdnOf(params: Params): string {
  const value = params.msisdn?.replace(/^\+/, '');
  if (!value) throw new MethodFailed('missing parameter: msisdn');
  if (!/^[1-9][0-9]{5,14}$/.test(value)) throw new MethodFailed('invalid parameter: msisdn must be a number in E.164 form');
  return value;
}

function integer(params: Params, name: string, fallback: number, min: number, max: number): number {
  const value = params[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max) throw new MethodFailed(`invalid parameter: ${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** `pattern` and `search_pattern` (0 starts with, 1 contains, 2 ends with; 0 unless given) as a test. */
function patternOf(params: Params): (msisdn: string) => boolean {
  const pattern = params.pattern ?? '';
  const strategy = integer(params, 'search_pattern', 0, 0, 2);
  if (pattern === '') return () => true;
  if (!/^[0-9]+$/.test(pattern)) throw new MethodFailed('invalid parameter: pattern must be digits');
  if (strategy === 0) return (msisdn) => msisdn.startsWith(pattern);
  if (strategy === 1) return (msisdn) => msisdn.includes(pattern);
  return (msisdn) => msisdn.endsWith(pattern);
}

/** The page `index` (from 1) of `size` results. */
function page<T>(params: Params, matches: T[]): T[] {
  const size = integer(params, 'size', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const index = integer(params, 'index', 1, 1, Number.MAX_SAFE_INTEGER);
  return matches.slice((index - 1) * size, index * size);
}

/** An owned number as `GET /account/numbers` lists it. */
function owned(record: NumberRecord): Record<string, unknown> {
  return {
    country: record.country,
    msisdn: record.msisdn,
    type: record.type,
    features: record.features ?? ['VOICE'],
    ...(record.application_id ? { app_id: record.application_id } : {}),
    ...(record.voiceCallbackType ? { voiceCallbackType: record.voiceCallbackType } : {}),
    ...(record.voiceCallbackValue ? { voiceCallbackValue: record.voiceCallbackValue } : {}),
    ...(record.voiceStatusCallback ? { voiceStatusCallback: record.voiceStatusCallback } : {}),
    ...(record.moHttpUrl ? { moHttpUrl: record.moHttpUrl } : {}),
    ...(record.moSmppSysType ? { moSmppSysType: record.moSmppSysType } : {}),
  };
}

/** Registers `/account/numbers` and `/number/{search,buy,cancel,update}`. */
export function registerNumberRoutes(root: FastifyInstance, deps: { store: SandboxStore; pool: NumberPool }): void {
  const { store, pool } = deps;

  /** The account's number of that country, or a 420. */
  const ownNumber = (params: Params): NumberRecord => {
    const msisdn = msisdnOf(params);
    const record = store.number(msisdn);
    if (!record || record.country !== country(params, true)) throw new MethodFailed(`the account does not own ${msisdn} in that country`);
    return record;
  };

  root.register(async (app) => {
    // Vonage's REST APIs take form-encoded bodies: parsed here only, so the sandbox's other
    // APIs still take JSON alone (no "simple" cross-site form reaches them). These routes
    // need the account's key and secret, which a web page cannot know.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    app.addHook('preHandler', async (request, reply) => {
      const params = paramsOf(request);
      if (!basicAuthOk(store, request) && !accountKeyOk(store, params.api_key, params.api_secret)) {
        return answer(reply, 401, 'authentication failed');
      }
    });
    app.setErrorHandler((error, _request, reply) => {
      if (error instanceof MethodFailed) return answer(reply, 420, error.message);
      throw error;
    });

    app.get('/account/numbers', async (request) => {
      const params = paramsOf(request);
      const wanted = country(params, false);
      const matches = patternOf(params);
      const hasApplication = params.has_application;
      if (hasApplication !== undefined && hasApplication !== 'true' && hasApplication !== 'false') {
        throw new MethodFailed('invalid parameter: has_application must be true or false');
      }
      const list = store
        .numbers()
        .filter((n) => !wanted || n.country === wanted)
        .filter((n) => !params.application_id || n.application_id === params.application_id)
        .filter((n) => hasApplication === undefined || (n.application_id !== null) === (hasApplication === 'true'))
        .filter((n) => matches(n.msisdn))
        .sort((a, b) => a.msisdn.localeCompare(b.msisdn));
      return { count: list.length, numbers: page(params, list).map(owned) };
    });

    app.get('/number/search', async (request) => {
      const params = paramsOf(request);
      const wanted = country(params, true)!;
      const matches = patternOf(params);
      const type = params.type;
      if (type !== undefined && !['landline', 'mobile-lvn', 'landline-toll-free'].includes(type)) {
        throw new MethodFailed('invalid parameter: type must be landline, mobile-lvn or landline-toll-free');
      }
      const features = params.features ? params.features.split(',') : [];
      if (features.some((f) => !FEATURES.includes(f))) throw new MethodFailed('invalid parameter: features must be SMS, VOICE and/or MMS');
      const available = [];
      for (const number of pool.inCountry(wanted)) {
        if (store.number(number.msisdn)) continue;
        if (type && number.type !== type) continue;
        if (!features.every((f) => number.features.includes(f))) continue;
        if (matches(number.msisdn)) available.push(number);
      }
      return {
        count: available.length,
        numbers: page(params, available).map((n) => ({ ...n, cost: '0.00', initialPrice: '0.00' })),
      };
    });

    app.post('/number/buy', async (request, reply) => {
      const params = paramsOf(request);
      const msisdn = msisdnOf(params);
      const wanted = country(params, true);
      if (params.target_api_key && params.target_api_key !== store.account.api_key) throw new MethodFailed('subaccounts are not simulated by the sandbox');
      if (store.number(msisdn)) throw new MethodFailed(`you already own ${msisdn}`);
      const number = pool.find(msisdn);
      if (!number || number.country !== wanted) throw new MethodFailed(`${msisdn} is not available in ${wanted}`);
      store.saveNumber({ msisdn, country: number.country, type: number.type, features: number.features, application_id: null });
      return answer(reply, 200, 'success');
    });

    app.post('/number/cancel', async (request, reply) => {
      const params = paramsOf(request);
      if (params.target_api_key && params.target_api_key !== store.account.api_key) throw new MethodFailed('subaccounts are not simulated by the sandbox');
      store.deleteNumber(ownNumber(params).msisdn);
      return answer(reply, 200, 'success');
    });

    app.post('/number/update', async (request, reply) => {
      const params = paramsOf(request);
      const record = ownNumber(params);
      const next: NumberRecord = { ...record };
      // `app_id` links (empty: unlinks); the deprecated `voiceCallbackType=app` and
      // `messagesCallbackType=app` name the application in their value instead.
      let applicationId: string | undefined = params.app_id;
      const voiceType = params.voiceCallbackType;
      if (voiceType === 'tel' || voiceType === 'sip') {
        throw new MethodFailed(`voiceCallbackType ${voiceType} (forwarding to a phone or SIP URI) is not simulated by the sandbox; link an application with app_id`);
      }
      if (voiceType && voiceType !== 'app') throw new MethodFailed('invalid parameter: voiceCallbackType must be app, tel or sip');
      if (voiceType === 'app') applicationId ??= params.voiceCallbackValue ?? '';
      const messagesType = params.messagesCallbackType;
      if (messagesType && messagesType !== 'app') throw new MethodFailed('invalid parameter: messagesCallbackType must be app');
      if (messagesType === 'app') applicationId ??= params.messagesCallbackValue ?? '';
      if (applicationId !== undefined) {
        if (applicationId !== '' && !store.application(applicationId)) throw new MethodFailed(`invalid parameter: application ${applicationId} does not exist`);
        next.application_id = applicationId === '' ? null : applicationId;
        if (params.voiceCallbackType === 'app') {
          next.voiceCallbackType = 'app';
          next.voiceCallbackValue = applicationId;
        } else {
          delete next.voiceCallbackType;
          delete next.voiceCallbackValue;
        }
      }
      for (const field of ['voiceStatusCallback', 'moHttpUrl', 'moSmppSysType'] as const) {
        const value = params[field];
        if (value === undefined) continue;
        if (value === '') delete next[field];
        else if (field !== 'moSmppSysType' && !/^https?:\/\/\S+$/i.test(value)) throw new MethodFailed(`invalid parameter: ${field} must be an http(s) URL`);
        else next[field] = value;
      }
      store.saveNumber(next);
      return answer(reply, 200, 'success');
    });
  });
}
