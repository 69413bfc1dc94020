/** `wait`: holds the NCCO for a while (Vonage: 10 s by default). */
import type { WaitAction } from '../../../common/ncco-schema';
import { sleep, until, type NccoActionHandler } from './context';

const DEFAULT_WAIT_S = 10;

export const wait: NccoActionHandler<WaitAction> = {
  async start(ctx) {
    await until(ctx, sleep((ctx.action.timeout ?? DEFAULT_WAIT_S) * 1000));
    return undefined;
  },
  stop: () => undefined,
};
