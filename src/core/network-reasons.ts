/**
 * Node's socket error codes in words. Socket error messages may name the host
 * and port (a private address, a URL with a token in it), so what is shown is
 * only this fixed phrase.
 */
export const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the connection broke',
  EPROTO: 'protocol error',
};
