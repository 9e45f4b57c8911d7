import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { SECURITY_HEADERS } from './headers';

/**
 * A large JSON answer (/api/nodes: about 2 MB for 10,000 nodes) sent as few
 * bytes as the client allows: brotli or gzip as `Accept-Encoding` says, and
 * an ETag naming the grid's version, so a client that already holds this
 * version gets a 304 with no body. The version rather than a hash of the
 * bytes: each refresh restamps the answer's times even when no node changed,
 * and that alone is not worth sending 2 MB again (a weak ETag says exactly
 * that: equivalent, not byte-identical). The last answer is kept compressed,
 * so many dashboards on one grid cost one compression per version.
 */
const MIN_COMPRESS_BYTES = 1024;

interface Encoded {
  readonly tag: string;
  readonly identity: Buffer;
  readonly encodings: Map<'br' | 'gzip', Buffer>;
}

export class CompressedJson {
  private last: Encoded | undefined;

  /** `version` says what the answer holds (grid version, selector …): the same version, the same answer. */
  send(req: IncomingMessage, res: ServerResponse, version: string, value: () => unknown, head: boolean): void {
    const tag = `W/"${createHash('sha256').update(version).digest('base64url').slice(0, 22)}"`;
    const headers = { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', ETag: tag, Vary: 'Accept-Encoding', 'Cache-Control': 'private, no-cache' };
    if (matches(req.headers['if-none-match'], tag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    if (this.last?.tag !== tag) this.last = { tag, identity: Buffer.from(JSON.stringify(value()), 'utf8'), encodings: new Map() };
    const entry = this.last;
    const encoding = entry.identity.length >= MIN_COMPRESS_BYTES ? chooseEncoding(req.headers['accept-encoding']) : undefined;
    let body = entry.identity;
    if (encoding) {
      body = entry.encodings.get(encoding) ?? compress(encoding, entry.identity);
      entry.encodings.set(encoding, body);
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(body.length), ...(encoding ? { 'Content-Encoding': encoding } : {}) });
    res.end(head ? undefined : body);
  }
}

/** If-None-Match holds this tag (or `*`); weak comparison, as RFC 9110 asks for it. */
function matches(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  const bare = (t: string): string => t.trim().replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === bare(tag));
}

/** Brotli when offered (smaller for JSON), else gzip, else none; `;q=0` refuses one. */
export function chooseEncoding(header: string | undefined): 'br' | 'gzip' | undefined {
  if (!header) return undefined;
  const offered = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) offered.set(name, q === undefined ? 1 : Number(q));
  }
  const accepts = (name: string): boolean => (offered.get(name) ?? offered.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return undefined;
}

function compress(encoding: 'br' | 'gzip', body: Buffer): Buffer {
  // Quality 5: most of brotli's gain on JSON at a small part of its highest setting's time.
  if (encoding === 'br') return brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  return gzipSync(body, { level: 6 });
}
