/** `Tray`. */
import { EventEmitter } from 'node:events';
import type { NativeImage } from 'electron';
import type { MenuApi } from '../../../main/electron-api';
import { app } from './app';
import { MenuDouble } from './menu';
import { imageOf, type NativeImageDouble } from './native-image';
import { createEvent } from './state';

/** `Tray`. */
export class TrayDouble extends EventEmitter {
  /** Every tray created since the last reset, oldest first. */
  static readonly instances: TrayDouble[] = [];
  image: NativeImage | string;
  toolTip = '';
  contextMenu: MenuDouble | null = null;
  private destroyed = false;

  constructor(image: NativeImage | string, _guid?: string) {
    super();
    if (!app.isReady()) throw new Error('Cannot create Tray before app is ready');
    this.image = image;
    TrayDouble.instances.push(this);
  }

  /** Test: the most recent tray that still exists. */
  static current(): TrayDouble | null {
    return [...TrayDouble.instances].reverse().find((tray) => !tray.isDestroyed()) ?? null;
  }

  setImage(image: NativeImage | string): void {
    this.assertAlive();
    this.image = image;
  }

  setToolTip(toolTip: string): void {
    this.assertAlive();
    this.toolTip = toolTip;
  }

  setContextMenu(menu: MenuApi | null): void {
    this.assertAlive();
    if (menu !== null && !(menu instanceof MenuDouble)) throw new TypeError('setContextMenu expects a Menu');
    this.contextMenu = menu;
  }

  destroy(): void {
    this.destroyed = true;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Test: a click on the icon. */
  click(): void {
    this.emit('click', createEvent(), { x: 0, y: 0, width: 0, height: 0 }, { x: 0, y: 0 });
  }

  /** Test: labels of the context menu's items. */
  menuLabels(): string[] {
    return this.contextMenu?.labels() ?? [];
  }

  /** Test: clicks a context menu item by label. */
  clickMenuItem(label: string): void {
    if (!this.contextMenu) throw new Error('The tray has no context menu');
    this.contextMenu.clickItem(label);
  }

  /** Test: the icon's image double. */
  imageDouble(): NativeImageDouble | null {
    return typeof this.image === 'string' ? null : imageOf(this.image);
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
  }
}

export const Tray = TrayDouble;
