/** `nativeImage`. */
import { existsSync, readFileSync } from 'node:fs';
import type { NativeImage } from 'electron';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A `NativeImage` holding PNG bytes (anything else makes an empty image, like Electron). */
export class NativeImageDouble {
  private readonly png: Buffer | null;

  constructor(data: Buffer | null) {
    this.png = data && data.length > 24 && data.subarray(0, 8).equals(PNG_SIGNATURE) ? data : null;
  }

  isEmpty(): boolean {
    return this.png === null;
  }

  getSize(): { width: number; height: number } {
    if (!this.png) return { width: 0, height: 0 };
    return { width: this.png.readUInt32BE(16), height: this.png.readUInt32BE(20) };
  }

  toPNG(): Buffer {
    return this.png ? Buffer.from(this.png) : Buffer.alloc(0);
  }

  toDataURL(): string {
    return this.png ? `data:image/png;base64,${this.png.toString('base64')}` : 'data:image/png;base64,';
  }
}

function asNativeImage(image: NativeImageDouble): NativeImage {
  return image as unknown as NativeImage;
}

/** Test: the double behind a `NativeImage` main passed around. */
export function imageOf(image: NativeImage | string | null): NativeImageDouble | null {
  return image instanceof NativeImageDouble ? image : null;
}

/** The `nativeImage` module. */
export const nativeImage = {
  createFromDataURL(dataURL: string): NativeImage {
    const match = /^data:image\/png;base64,([A-Za-z0-9+/=]*)$/.exec(dataURL);
    return asNativeImage(new NativeImageDouble(match ? Buffer.from(match[1] ?? '', 'base64') : null));
  },
  createFromPath(filePath: string): NativeImage {
    return asNativeImage(new NativeImageDouble(existsSync(filePath) ? readFileSync(filePath) : null));
  },
  createFromBuffer(buffer: Buffer): NativeImage {
    return asNativeImage(new NativeImageDouble(buffer));
  },
  createEmpty(): NativeImage {
    return asNativeImage(new NativeImageDouble(null));
  },
};
