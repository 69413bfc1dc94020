/**
 * Wiring the call flows into the backend: load the numbers' and queues' settings, build the
 * Voice API client and the flows, follow the call events, and register every route the
 * flows own (webhooks, hold music, call context, numbers, queues, voicemail).
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context';
import { NumberDirectory } from '../numbers/directory';
import { registerNumberRoutes } from '../numbers/routes';
import { QueueDirectory } from '../queues/directory';
import { registerQueueRoutes } from '../queues/routes';
import { VoiceApi } from '../vonage/voice-api';
import { registerVoicemailRoutes } from '../voicemail/routes';
import { VoicemailService } from '../voicemail/service';
import { CallContexts } from './contexts';
import { renderHoldMusic } from './hold-music';
import { registerFlowRoutes } from './routes';
import { CallFlows } from './runtime';
import { FlowUrls } from './urls';

/**
 * Set up the call flows on `app`.
 *
 * Returns the flows (tests drive them); they stop with the app.
 */
export async function registerCallFlows(app: FastifyInstance, ctx: AppContext): Promise<CallFlows> {
  const now = () => ctx.now().getTime();
  const numbers = await NumberDirectory.load(ctx.storage.numbers, ctx.now, app.log);
  const queues = await QueueDirectory.load(ctx.storage.queues, ctx.now, app.log);
  const voice = new VoiceApi({ baseUrl: ctx.config.sdk.apiUrl, applicationId: ctx.config.applicationId, privateKey: ctx.privateKey });
  const contexts = new CallContexts(now);
  const urls = new FlowUrls(ctx.config.publicUrl);

  const flows = new CallFlows({
    urls,
    contactNumber: ctx.config.contactNumber,
    numbers,
    queues,
    presence: ctx.presence,
    voice,
    calls: ctx.storage.calls,
    contexts,
    log: app.log,
    now,
  });
  const unsubscribe = ctx.callEvents.subscribe(({ event }) => {
    if (event.kind !== 'status') return;
    flows.handleEvent({ uuid: event.uuid, conversation_uuid: event.conversation_uuid, status: event.status, from: event.from, to: event.to });
  });
  app.addHook('onClose', async () => {
    unsubscribe();
    flows.close();
  });

  const voicemail = new VoicemailService({
    repository: ctx.storage.voicemails,
    calls: ctx.storage.calls,
    callOf: (uuid) => {
      const session = flows.session(uuid);
      return session ? { caller: session.caller, number: session.number, queue: session.queue, conversationUuid: session.conversationUuid } : undefined;
    },
    platformUrl: ctx.config.sdk.apiUrl,
    publicUrl: ctx.config.publicUrl,
    now: ctx.now,
    log: app.log,
  });

  registerFlowRoutes(app, ctx, { flows, contexts, voicemail, holdMusic: renderHoldMusic() });
  registerNumberRoutes(app, ctx, numbers, queues);
  registerQueueRoutes(app, ctx, {
    queues,
    numbers,
    manager: flows.queues,
    agents: () => ctx.presence.list().map((p) => ({ name: p.name, status: p.status, idle_since: p.idleSince })),
  });
  registerVoicemailRoutes(app, ctx, voicemail, voice);
  return flows;
}
