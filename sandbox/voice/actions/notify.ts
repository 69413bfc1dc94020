/**
 * `notify`: sends the payload to the eventUrl and waits for its answer: an NCCO replaces the
 * rest of the call's NCCO, as Vonage does; no body, a JSON object or a failure lets the call
 * carry on with the next action. Like every URL that may answer with an NCCO, a failure is
 * retried and then tried at the fallback_answer_url.
 */
import type { NotifyAction } from '../../../common/ncco-schema';
import { hookFrom } from '../webhooks';
import { nccoFrom, type NccoActionHandler } from './context';

export const notify: NccoActionHandler<NotifyAction> = {
  start: (ctx) => nccoFrom(ctx, hookFrom(ctx.action.eventUrl, ctx.action.eventMethod), { ...ctx.action.payload }),
  stop: () => undefined,
};
