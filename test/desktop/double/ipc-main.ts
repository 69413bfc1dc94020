/** `ipcMain`. */
import { EventEmitter } from 'node:events';
import type { IpcEventApi } from '../../../main/electron-api';

type IpcListener = (event: IpcEventApi, ...args: unknown[]) => unknown;

/** `ipcMain`. */
export class IpcMainDouble extends EventEmitter {
  private readonly handlers = new Map<string, IpcListener>();

  handle(channel: string, listener: IpcListener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  handleOnce(channel: string, listener: IpcListener): void {
    this.handle(channel, (event, ...args) => {
      this.removeHandler(channel);
      return listener(event, ...args);
    });
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** Test: the channels that have an invoke handler. */
  handledChannels(): string[] {
    return [...this.handlers.keys()];
  }

  /** Test: `ipcRenderer.invoke` from `event`'s sender, as a unit test plays the renderer. */
  invoke(event: IpcEventApi, channel: string, ...args: unknown[]): Promise<unknown> {
    return this.invokeFromRenderer(event, channel, args);
  }

  /** Test: `ipcRenderer.send` from `event`'s sender. */
  send(event: IpcEventApi, channel: string, ...args: unknown[]): void {
    this.sendFromRenderer(event, channel, args);
  }

  /** @internal An `ipcRenderer.invoke` arrived from a page. */
  async invokeFromRenderer(event: IpcEventApi, channel: string, args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }

  /** @internal An `ipcRenderer.send` arrived from a page. */
  sendFromRenderer(event: IpcEventApi, channel: string, args: unknown[]): void {
    this.emit(channel, event, ...args);
  }

  /** @internal */
  resetDouble(): void {
    this.handlers.clear();
    this.removeAllListeners();
  }
}

export const ipcMain = new IpcMainDouble();
