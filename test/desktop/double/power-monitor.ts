/** `powerMonitor`. */
import { EventEmitter } from 'node:events';
import { app } from './app';
import { state } from './state';

type PowerEvent = 'suspend' | 'resume' | 'lock-screen' | 'unlock-screen';

/** `powerMonitor`: main listens; a test plays the OS (`simulate('suspend')`). */
export class PowerMonitorDouble extends EventEmitter {
  /** Test: the OS suspends, resumes, locks or unlocks (lock events exist on macOS and Windows only). */
  simulate(event: PowerEvent): void {
    if (!app.isReady()) throw new Error('powerMonitor cannot be used before the app is ready');
    if ((event === 'lock-screen' || event === 'unlock-screen') && state.config.platform === 'linux') {
      throw new Error(`powerMonitor does not emit ${event} on Linux`);
    }
    this.emit(event);
  }

  /** @internal */
  resetDouble(): void {
    this.removeAllListeners();
  }
}

export const powerMonitor = new PowerMonitorDouble();
