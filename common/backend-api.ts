/**
 * The backend's HTTP contract, shared by the backend, the desktop main process and the
 * renderer's browser shell.
 *
 * Schemas validate requests on the server; the interfaces type responses for clients.
 */
import { z } from 'zod';

/** Agent names are Vonage user names: short, no spaces, no path characters. */
export const agentName = z
  .string()
  .min(1, 'is required')
  .max(64, 'is at most 64 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'may hold letters, digits, dot, underscore and dash only');

/** `POST /api/auth/login`: a desktop client receives its refresh credential in the body; a web client gets an HttpOnly cookie instead. */
export const loginRequest = z.object({
  name: agentName,
  password: z.string().min(1, 'is required').max(256, 'is at most 256 characters'),
  client: z.enum(['desktop', 'web']).default('desktop'),
});
export type LoginRequest = z.input<typeof loginRequest>;

/** `POST /api/jwt`: the seed guide's compatibility endpoint. */
export const compatJwtRequest = z.object({
  mobile_api_key: z.string().min(1, 'is required').max(512),
  user_name: agentName,
});

/** The public face of an agent. */
export interface AgentProfile {
  name: string;
  display_name: string;
}

/** Answer of a successful login. `refresh_token` is present for desktop clients only. */
export interface LoginResponse {
  agent: AgentProfile;
  refresh_token?: string;
  expires_at: string;
}

/** Answer of `POST /api/auth/token`: a short-lived Client SDK JWT for the logged-in agent. */
export interface SdkTokenResponse {
  agent: AgentProfile;
  jwt: string;
  expires_at: string;
}

/** Where the Client SDK connects, as `GET /api/config` tells every client. */
export interface SdkEndpoints {
  apiUrl: string;
  websocketUrl: string;
}

/** Answer of `GET /api/config`. */
export interface ClientConfig {
  sdk: SdkEndpoints;
  contact_number: string | null;
}

/** Every 4xx/5xx answer of the backend carries this body. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    /** The request field at fault, as a dotted path, where one is. */
    field?: string;
  };
}

/** One row of the call log as `GET /api/calls` returns it. */
export interface CallLogEntry {
  conversation_uuid: string;
  direction: string | null;
  from: string | null;
  to: string | null;
  agent: string | null;
  status: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  events: Array<{ uuid: string; status: string; timestamp: string }>;
}
