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
import { listen } from '../db/listen';
import { registerReconciliation, reconcileSoon } from '../calls/reconcile';
import { registerCallControlRoutes } from '../calls/routes';
import { registerMonitorRoutes } from '../console/monitor';
import { callEventPayload } from '../webhooks/call-log';
import { applyCallEvent } from '../webhooks/routes';
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
  const numbers = await NumberDirectory.load(ctx.storage.numbers, ctx.now, app.log);
  const queues = await QueueDirectory.load(ctx.storage.queues, ctx.now, app.log);
  // Numbers and queues are cached per instance for the answer_url; a change on any instance
  // notifies 'config' and every instance reloads both.
  const announce = async () => {
    await ctx.db.query("SELECT pg_notify('config', '')");
  };
  numbers.onWrite = announce;
  queues.onWrite = announce;
  // One reload at a time; notifications during one ask for one more, so the last read is the newest.
  let reloading: Promise<void> | null = null;
  let again = false;
  const reload = (): void => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = Promise.all([numbers.reload(app.log), queues.reload(app.log)])
      .then(() => undefined)
      .catch((error: unknown) => app.log.warn({ err: error }, 'could not reload numbers and queues'))
      .finally(() => {
        reloading = null;
        if (again) {
          again = false;
          reload();
        }
      });
  };
  // Loaded just above; after a lost connection a change may have been missed, so reload then.
  const configListener = await listen(ctx.db.url, 'config', { onNotify: reload, onConnect: (first) => (first ? undefined : reload()) }, { log: app.log });
  app.addHook('onClose', async () => configListener.close());
  const voice = new VoiceApi({ baseUrl: ctx.config.sdk.apiUrl, applicationId: ctx.config.applicationId, privateKey: ctx.privateKey });
  const contexts = new CallContexts(ctx.db);
  const urls = new FlowUrls(ctx.config.publicUrl);

  const flows = new CallFlows({
    db: ctx.db,
    jobs: ctx.jobs,
    urls,
    contactNumber: ctx.config.contactNumber,
    numbers,
    queues,
    presence: ctx.presence,
    voice,
    calls: ctx.storage.calls,
    log: app.log,
    now: () => ctx.now().getTime(),
  });
  const unsubscribe = ctx.callEvents.subscribe(async ({ event, flowCall }, sql) => {
    if (event.kind !== 'status') return;
    await flows.handleEvent({ uuid: event.uuid, conversation_uuid: event.conversation_uuid, status: event.status, from: event.from, to: event.to, timestamp: event.timestamp }, sql, flowCall);
  });
  app.addHook('onClose', async () => {
    unsubscribe();
    flows.close();
  });

  // Calls whose end the backend missed are finished from the platform's word, at start and every 30 s.
  registerReconciliation({
    sql: ctx.db,
    jobs: ctx.jobs,
    getCall: (uuid) => voice.getCall(uuid),
    apply: async (event) => {
      await applyCallEvent(ctx, callEventPayload.parse(event), JSON.stringify(event));
    },
    now: ctx.now,
    log: app.log,
  });
  // onReady runs once the job queue has started (server/app.ts starts it before app.ready()).
  app.addHook('onReady', async () => reconcileSoon(ctx.jobs, ctx.db));

  const voicemail = new VoicemailService({
    repository: ctx.storage.voicemails,
    calls: ctx.storage.calls,
    callOf: async (uuid) => {
      const session = await flows.session(uuid);
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
  registerCallControlRoutes(app, ctx, flows.control);
  registerMonitorRoutes(app, ctx, flows.monitor);
  return flows;
}
