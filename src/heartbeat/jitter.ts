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
  return Math.floor((hash / 0x100000000) * jitterSeconds * 1000);
}
