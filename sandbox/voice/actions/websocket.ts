/**
 * `connect` to the application's websocket: a leg whose status events go to the connect's
 * eventUrl (else the application's event_url) — started, ringing, then answered once the
 * socket is open, or failed when it cannot be opened. The caller's NCCO waits while the
 * socket lives. When the caller's leg ends the platform closes the socket (code 1000). When
 * the application closes it, Vonage sends `disconnected` to the event URL and runs the NCCO
 * it answers with, if any, in place of the rest of the caller's NCCO; otherwise the caller's
 * NCCO goes on with its next action.
 */
import { WebSocketEndpoint } from '../../media/websocket-endpoint';
import type { ConnectAction, WebSocketTarget } from '../../../common/ncco-schema';
import { DEFAULT_CONNECT_LIMIT_S } from '../call-control';
import { WebSocketLeg } from '../legs';
import { hookFrom } from '../webhooks';
import { current, nccoFrom, until, type ActionContext, type Outcome } from './context';

/** How long a websocket may take to open when the connect sets no `timeout`. */
const DEFAULT_WEBSOCKET_CONNECT_S = 10;

export async function connectWebSocket(ctx: ActionContext<ConnectAction>, endpoint: WebSocketTarget): Promise<Outcome> {
  const { leg, action, calls } = ctx;
  const hook = hookFrom(action.eventUrl, action.eventMethod);
  const callee = new WebSocketLeg(leg.app, leg.conversation, 'outbound', leg.from, endpoint.uri);
  callee.eventHook = hook;
  calls.register(callee);
  calls.setStatus(callee, 'started');
  calls.setStatus(callee, 'ringing');
  let media: WebSocketEndpoint;
  try {
    media = await WebSocketEndpoint.open(callee.uuid, calls.clock, {
      uri: endpoint.uri,
      contentType: endpoint['content-type'],
      headers: endpoint.headers ?? {},
      connectTimeoutMs: (action.timeout ?? DEFAULT_WEBSOCKET_CONNECT_S) * 1000,
    });
  } catch (error) {
    const reason = `the websocket ${endpoint.uri} could not be opened: ${(error as Error).message}`;
    calls.log.warn(`call ${leg.uuid}: ${reason}`);
    calls.endLeg(callee, 'failed', false);
    const failed = { ...calls.eventBase(callee), status: 'failed', direction: 'outbound', reason };
    if (action.eventType === 'synchronous' && hook && !leg.isOver) return nccoFrom(ctx, hook, failed);
    calls.sendLegEvent(callee, failed, hook ?? calls.eventHook(callee));
    return undefined;
  }
  if (!current(ctx)) {
    media.close();
    calls.endLeg(callee, 'cancelled');
    return undefined;
  }
  callee.endpoint = media;
  calls.setStatus(callee, 'answered');
  calls.attach(callee, leg.conversation);
  const limit = setTimeout(() => calls.hangup(callee), (action.limit ?? DEFAULT_CONNECT_LIMIT_S) * 1000);
  const woken = await until(ctx, media.closed);
  clearTimeout(limit);
  if (woken.kind !== 'done' || woken.value.by === 'platform') {
    calls.hangup(callee);
    return undefined;
  }
  // The application closed the socket: Vonage asks the event URL what to do next.
  const { code, reason } = woken.value;
  const next = await nccoFrom(ctx, hook ?? calls.eventHook(callee), {
    ...calls.eventBase(callee),
    status: 'disconnected',
    direction: 'outbound',
    code,
    ...(reason ? { reason } : {}),
  });
  calls.endLeg(callee, 'completed');
  return next;
}
