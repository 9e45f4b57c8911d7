/**
 * Random bytes from Web Crypto (globalThis.crypto), which Node loads on first
 * use: importing node:crypto for this would cost every start some 5 ms.
 */
export function randomBytes(count: number): Buffer {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(count)));
}
