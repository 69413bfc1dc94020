/**
 * Supervisor monitoring over HTTP (the rules are in `server/flows/monitor.ts`):
 *
 * - `GET /api/console/monitor/token`: a short-lived Client SDK JWT for the signed-in console
 *   user's own SDK identity (`supervisor:<name>`), minted here; the private key never leaves.
 * - `GET /api/admin/calls/:call/monitor`: who monitors the call, in which mode.
 * - `POST` (start, `{ mode }`), `PUT` (switch mode), `DELETE` (leave) on the same URL.
 *
 * Monitoring is a supervisor's daily work: supervisors and admins signed in to the console may
 * do it (with the session's CSRF token); the automation token cannot (403 `person_required`:
 * it has no browser to hear with); anyone else gets the admin guard's 401. A call that is not
 * live with an agent answers 409 `not_live`. Being changes under `/api/admin`, each step is
 * also written to the audit log, with the monitoring state before and after.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { MonitorTokenResponse } from '../../common/console-api';
import { actorOf, requireAdmin } from '../admin/guard';
import { mintSdkToken } from '../auth/sdk-token';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { MONITOR_MODES, MonitorError, monitorIdentity, type MonitorView, type SupervisorMonitor } from '../flows/monitor';

const callParams = z.object({ call: z.string().min(1, 'must name a call').max(128, 'is at most 128 characters') });
const modeRequest = z.strictObject({ mode: z.enum(MONITOR_MODES, { message: `must be one of ${MONITOR_MODES.join(', ')}` }) });
const startRequest = z.strictObject({ mode: z.enum(MONITOR_MODES, { message: `must be one of ${MONITOR_MODES.join(', ')}` }).default('listen') });

/** The console user behind the request; the admin token is not a person. */
function person(request: FastifyRequest): string {
  const actor = actorOf(request);
  if (!actor || actor.via !== 'session') throw new HttpError(403, 'person_required', 'Monitoring needs a console user signed in, not the admin token');
  return actor.name;
}

async function answer(work: () => Promise<MonitorView>): Promise<MonitorView> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MonitorError) throw new HttpError(error.status, error.code, error.message, { field: error.status === 404 ? 'call' : undefined });
    throw error;
  }
}

export function registerMonitorRoutes(app: FastifyInstance, ctx: AppContext, monitor: SupervisorMonitor): void {
  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx, { supervisorChanges: true }));

    scope.get('/api/console/monitor/token', async (request): Promise<MonitorTokenResponse> => {
      const name = person(request);
      const user = monitorIdentity(name);
      const token = mintSdkToken({ applicationId: ctx.config.applicationId, privateKey: ctx.privateKey, ttlS: ctx.config.sdkTokenTtlS }, user);
      request.log.info({ user, expires_at: token.expiresAt }, 'supervisor sdk token issued');
      return { user, jwt: token.jwt, expires_at: token.expiresAt, sdk: { api_url: ctx.config.sdk.apiUrl, websocket_url: ctx.config.sdk.websocketUrl } };
    });

    scope.get('/api/admin/calls/:call/monitor', async (request) => {
      const { call } = parseWith(callParams, request.params);
      return answer(() => monitor.state(call));
    });

    scope.post('/api/admin/calls/:call/monitor', async (request) => {
      const { call } = parseWith(callParams, request.params);
      const name = person(request);
      const { mode } = parseWith(startRequest, request.body ?? {});
      const view = await answer(() => monitor.start(call, name, mode));
      request.log.info({ call: view.call, supervisor: name, mode }, 'supervisor monitoring started');
      return view;
    });

    scope.put('/api/admin/calls/:call/monitor', async (request) => {
      const { call } = parseWith(callParams, request.params);
      const name = person(request);
      const { mode } = parseWith(modeRequest, request.body);
      const view = await answer(() => monitor.change(call, name, mode));
      request.log.info({ call: view.call, supervisor: name, mode }, 'supervisor monitoring mode');
      return view;
    });

    scope.delete('/api/admin/calls/:call/monitor', async (request) => {
      const { call } = parseWith(callParams, request.params);
      const name = person(request);
      const view = await answer(() => monitor.leave(call, name));
      request.log.info({ call: view.call, supervisor: name }, 'supervisor monitoring left');
      return view;
    });
  });
}
