/**
 * The agent's call-control requests as the backend's HTTP API takes them
 * (`/api/agent/calls/{leg}/…`, `server/calls/routes.ts`), shared by main (desktop) and the
 * renderer's browser bridge (web) so that both speak it the same way.
 */
import { callControlStateSchema, type CallControlRequest, type CallControlResult } from './ipc-contract';

/** One HTTP request of the call-control API. */
export interface ControlHttpRequest {
  method: 'GET' | 'PUT' | 'POST';
  /** Path on the backend, the leg escaped. */
  path: string;
  /** JSON body for PUT and POST (`{}` for the actions that take nothing: a JSON request needs a body). */
  body?: unknown;
}

/** The backend route of a call-control request. */
export function controlHttpRequest(request: CallControlRequest): ControlHttpRequest {
  const base = `/api/agent/calls/${encodeURIComponent(request.callId)}`;
  switch (request.action) {
    case 'state':
      return { method: 'GET', path: `${base}/control` };
    case 'hold':
      return { method: 'PUT', path: `${base}/hold`, body: { held: request.held } };
    case 'transfer':
      return { method: 'POST', path: `${base}/transfer`, body: { target: request.target } };
    case 'consult':
      return { method: 'POST', path: `${base}/consult`, body: { target: request.target } };
    case 'complete':
      return { method: 'POST', path: `${base}/consult/complete`, body: {} };
    case 'cancel':
      return { method: 'POST', path: `${base}/consult/cancel`, body: {} };
    case 'conference':
      return { method: 'POST', path: `${base}/conference`, body: {} };
    case 'leave':
      return { method: 'POST', path: `${base}/leave`, body: {} };
  }
}

/** The path of `GET /api/agent/transfer-targets`. */
export const TRANSFER_TARGETS_PATH = '/api/agent/transfer-targets';

/**
 * The result of a successful answer: transfer and leave answer a status (the agent's leg is
 * going away), every other action the call's control state (an answer outside
 * `callControlStateSchema` becomes a `protocol` refusal).
 */
export function controlSuccess(request: CallControlRequest, body: unknown): CallControlResult {
  if (request.action === 'transfer' || request.action === 'leave') return { ok: true, control: null };
  // Checked against the contract here, for main and the browser bridge alike.
  const control = callControlStateSchema.safeParse(body);
  if (!control.success) return { ok: false, code: 'protocol', message: 'The Switchboard server sent an unreadable answer.' };
  return { ok: true, control: control.data };
}
