/**
 * A delay that is the same for a node on every beat (derived from its id), so
 * a thousand nodes spread over the minute instead of hitting the git host in
 * the same second, and each node still beats at a steady rhythm.
 */
export function stableJitterMs(instanceId: string, jitterSeconds: number): number {
  if (jitterSeconds <= 0) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < instanceId.length; i++) {
    hash ^= instanceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return Math.floor((mix(hash) / 0x100000000) * jitterSeconds * 1000);
}

/**
 * FNV-1a alone moves the top bits only slightly when just the last character
 * changes, so ids such as node-001, node-002 … (or a simulated fleet) all got
 * nearly the same delay. MurmurHash3's finaliser spreads every input bit over
 * the whole word.
 */
function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
