/** `Menu`. */
import type { MenuItemConstructorOptions } from 'electron';

/** A menu item as the double keeps it. */
export interface MenuItemDouble {
  label: string;
  type: string;
  enabled: boolean;
  visible: boolean;
  /** Checkbox and radio items. */
  checked: boolean;
  click?: MenuItemConstructorOptions['click'];
}

/** `Menu`, built from a template. */
export class MenuDouble {
  readonly items: MenuItemDouble[];

  constructor(template: MenuItemConstructorOptions[]) {
    this.items = template.map((item, index) => {
      if (!item.label && !item.role && !item.type) {
        throw new TypeError(`Invalid template for MenuItem: must have at least one of label, role or type (item ${index})`);
      }
      return {
        label: item.label ?? '',
        type: item.type ?? 'normal',
        enabled: item.enabled ?? true,
        visible: item.visible ?? true,
        checked: item.checked ?? false,
        ...(item.click ? { click: item.click } : {}),
      };
    });
  }

  static buildFromTemplate(template: MenuItemConstructorOptions[]): MenuDouble {
    return new MenuDouble(template);
  }

  /** Test: labels of the visible, non-separator items, in order. */
  labels(): string[] {
    return this.items.filter((item) => item.visible && item.type !== 'separator').map((item) => item.label);
  }

  /** Test: clicks the item with this label (throws when there is none, or it is disabled). */
  clickItem(label: string): void {
    const item = this.items.find((candidate) => candidate.label === label && candidate.visible);
    if (!item) throw new Error(`No menu item "${label}" (items: ${this.labels().join(', ')})`);
    if (!item.enabled) throw new Error(`Menu item "${label}" is disabled`);
    // Electron passes the MenuItem, the focused window and the keyboard event.
    item.click?.(item as never, undefined, { shiftKey: false, ctrlKey: false, altKey: false, metaKey: false } as never);
  }
}

export const Menu = MenuDouble;
