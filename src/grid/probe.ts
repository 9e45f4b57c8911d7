import net from 'node:net';

/**
 * "Truly awake" (SPEC §6): a partner that answers a TCP connect or an HTTP GET
 * within a timeout. The address comes from the allow-listed presence fields
 * privateIp or hostname; a node without either cannot be probed.
 */
export type Probe = { readonly kind: 'tcp'; readonly port: number } | { readonly kind: 'http'; readonly port: number; readonly path: string };

/** "tcp:5432", "http:/healthz" (port 80), "http:8080/healthz"; undefined when malformed. */
export function parseProbe(text: string): Probe | undefined {
  const tcp = /^tcp:(\d{1,5})$/.exec(text);
  if (tcp) return validPort(Number(tcp[1])) ? { kind: 'tcp', port: Number(tcp[1]) } : undefined;
  const http = /^http:(\d{1,5})?(\/[\x21-\x7e]*)$/.exec(text);
  if (!http) return undefined;
  const port = http[1] === undefined ? 80 : Number(http[1]);
  return validPort(port) ? { kind: 'http', port, path: http[2]! } : undefined;
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65_535;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** The address to probe: privateIp, else hostname; only plain IPv4/IPv6 literals or DNS names, never a URL a node smuggled in. */
export function probeAddress(fields: Readonly<Record<string, string>>): string | undefined {
  for (const candidate of [fields.privateIp, fields.hostname]) {
    if (candidate !== undefined && (net.isIP(candidate) !== 0 || HOSTNAME.test(candidate))) return candidate;
  }
  return undefined;
}

export interface ProbeResult {
  readonly ok: boolean;
  /** Why not, for stderr ("connection refused", "no answer within 3 s", "HTTP 503"). */
  readonly detail: string;
}

export async function runProbe(address: string, probe: Probe, timeoutMs: number): Promise<ProbeResult> {
  return probe.kind === 'tcp' ? tcpProbe(address, probe.port, timeoutMs) : httpProbe(address, probe.port, probe.path, timeoutMs);
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `no answer within ${timeoutMs / 1000} s` }), timeoutMs);
    socket.once('connect', () => done({ ok: true, detail: `tcp ${port} open` }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, detail: error.code === 'ECONNREFUSED' ? 'connection refused' : `tcp error ${error.code ?? error.message}` }));
  });
}

async function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  const hostPart = net.isIPv6(host) ? `[${host}]` : host;
  try {
    const response = await fetch(`http://${hostPart}:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 400;
    return { ok, detail: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if ((error as Error).name === 'TimeoutError') return { ok: false, detail: `no answer within ${timeoutMs / 1000} s` };
    return { ok: false, detail: cause?.code === 'ECONNREFUSED' ? 'connection refused' : `http error ${cause?.code ?? (error as Error).name}` };
  }
}
