/**
 * Entry of the harness bundle (`dist-test/harness-main.cjs`): the Electron double, the
 * real `startSwitchboard`, and the real electron-store, all sharing the one double (the
 * bundle aliases `electron` to it).
 */
import Store from 'electron-store';
import { AppImageUpdater } from 'electron-updater';
import type { UpdaterApi } from '../../main/updater';
import * as electron from './double';
import type { SwitchboardElectron } from '../../main/electron-api';
import type { VaultStore } from '../../main/vault';

// Compile-time proof that the double offers everything main takes from Electron.
const asMainSeesIt: SwitchboardElectron = electron;

export { electron, asMainSeesIt as switchboardElectron };
export { startSwitchboard, type SwitchboardHandle, type SwitchboardOptions } from '../../main/app';
export { loadConfig, VAULT_STORE_OPTIONS } from '../../main/config';

/**
 * A fresh electron-updater updater, as `main/index.ts` gets one, running against the double
 * (its HTTP goes through the double's `net`). Linux's, as the harness runs there.
 */
export function createUpdater(): UpdaterApi {
  return new AppImageUpdater();
}

/** Creates the app's store the way `main/index.ts` does, against the double's `app`. */
export function createStore(options: ConstructorParameters<typeof Store<Record<string, unknown>>>[0]): VaultStore & { readonly path: string } {
  return new Store<Record<string, unknown>>(options);
}
