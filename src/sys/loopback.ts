/** Loopback checks for the servers nodegrid opens (the dashboard, the metrics exporter): open without a token only on loopback. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

/** "127.0.0.1:8080", "localhost", "[::1]:8080": the name part is a loopback host. */
export function hostHeaderIsLoopback(header: string | undefined): boolean {
  if (header === undefined) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(header.trim());
  return m !== null && isLoopbackAddress(m[1]!);
}
