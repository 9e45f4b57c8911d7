import os from 'node:os';
import { looksLikeSecret } from '../core/secrets';
import { VERSION } from '../core/version';

/**
 * Extra fields a node may publish, only from this allow-list, and never a
 * value that looks like a key or token (a hostname can be set to anything).
 */
export type ExtraField = 'hostname' | 'privateIp' | 'version';

const READERS: Record<ExtraField, () => string | undefined> = {
  hostname: () => os.hostname(),
  privateIp: firstPrivateIpv4,
  version: () => VERSION,
};

export function collectFields(names: readonly ExtraField[], warn: (message: string) => void): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of names) {
    const value = READERS[name]();
    if (value === undefined || value === '') continue;
    if (looksLikeSecret(value) || value.length > 256) {
      warn(`not publishing field ${name}: its value looks like a secret or is too long`);
      continue;
    }
    fields[name] = value;
  }
  return fields;
}

function firstPrivateIpv4(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}
