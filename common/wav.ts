/**
 * The RIFF/WAVE header of 16-bit PCM mono audio: one definition for the sandbox's recordings
 * and the backend's hold music (plain bytes, so it builds for every process).
 */

/** Bytes in the header that {@link wavHeader} writes. */
export const WAV_HEADER_BYTES = 44;

/** The 44-byte header of a 16-bit PCM mono WAV holding `dataBytes` of samples. */
export function wavHeader(dataBytes: number, sampleRate: number): Uint8Array {
  const header = new Uint8Array(WAV_HEADER_BYTES);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  return header;
}
