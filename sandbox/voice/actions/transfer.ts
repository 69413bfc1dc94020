/** `transfer`: moves the leg into an existing conversation by id and stays there. */
import type { TransferAction } from '../../../common/ncco-schema';
import { join } from './conversation';
import type { NccoActionHandler } from './context';

export const transfer: NccoActionHandler<TransferAction> = {
  async start(ctx) {
    const target = ctx.calls.conversation(ctx.action.conversation_id);
    if (!target) throw new Error(`no conversation ${ctx.action.conversation_id}`);
    return join(ctx, target, ctx.action, true);
  },
  stop: () => undefined,
};
