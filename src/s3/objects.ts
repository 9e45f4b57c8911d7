import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { redactSecrets } from '../core/secrets';
import type { S3Connection } from './client';

/**
 * The few object operations presence needs, on repository-relative paths
 * ("it/presence/all/i-1.json"; the connection adds its key prefix). Every
 * answer a caller must act on is a value (missing, precondition failed), not
 * an exception; everything else throws an S3Failure with a message that names
 * the store and never a credential.
 */
export interface StoredObject {
  readonly path: string;
  readonly body: Buffer;
  /** As the store returned it, quotes included. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly versionId?: string | undefined;
}

export interface ListedObject {
  readonly path: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  readonly versionId?: string | undefined;
}

export class S3Failure extends Error {
  constructor(
    message: string,
    /** The store refused the request itself (bad request, entity too large); retrying cannot help. */
    readonly permanent: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'S3Failure';
  }
}

interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** The SDK's per-call options: an abort signal only when there is one. */
function sendOptions(options: CallOptions): { abortSignal?: AbortSignal } {
  return options.signal ? { abortSignal: options.signal } : {};
}

/** The object, or undefined when there is none. `maxBytes` bounds what is read of a hostile object. */
export async function getObject(s3: S3Connection, path: string, options: CallOptions & { maxBytes?: number; versionId?: string } = {}): Promise<StoredObject | undefined> {
  try {
    const out = await s3.client.send(
      new GetObjectCommand({
        Bucket: s3.bucket,
        Key: s3.prefix + path,
        ...(options.versionId ? { VersionId: options.versionId } : {}),
        ...(options.maxBytes ? { Range: `bytes=0-${options.maxBytes}` } : {}),
      }),
      sendOptions(options),
    );
    const body = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
    return { path, body, etag: out.ETag ?? '', lastModified: out.LastModified ?? new Date(0), versionId: out.VersionId };
  } catch (error) {
    if (statusOf(error) === 404 && nameOf(error) !== 'NoSuchBucket') return undefined;
    // A range past the end of an empty object.
    if (statusOf(error) === 416) return { path, body: Buffer.alloc(0), etag: '', lastModified: new Date(0) };
    throw failure(s3, `read ${path}`, error);
  }
}

export type Precondition = { readonly ifNoneMatch: '*' } | { readonly ifMatch: string } | undefined;

/**
 * Writes one object. With a precondition, "conflict" means another writer got
 * there first (412, or 409 from stores that answer a concurrent conditional
 * write that way); the caller decides what that means.
 */
export async function putObject(
  s3: S3Connection,
  path: string,
  body: string,
  precondition: Precondition,
  options: CallOptions = {},
): Promise<{ written: true; etag: string } | { written: false }> {
  try {
    const out = await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: s3.prefix + path,
        Body: body,
        ContentType: 'application/json',
        ...(precondition && 'ifNoneMatch' in precondition ? { IfNoneMatch: '*' } : {}),
        ...(precondition && 'ifMatch' in precondition ? { IfMatch: precondition.ifMatch } : {}),
      }),
      sendOptions(options),
    );
    return { written: true, etag: out.ETag ?? '' };
  } catch (error) {
    const status = statusOf(error);
    if (precondition && (status === 412 || status === 409 || nameOf(error) === 'PreconditionFailed' || nameOf(error) === 'ConditionalRequestConflict')) return { written: false };
    throw failure(s3, `write ${path}`, error);
  }
}

/**
 * Deletes one object; with `ifMatch`, only while its ETag is that one
 * ("conflict": it changed, or the store refused the condition; the caller
 * tells which). Deleting what is not there succeeds, as S3 does.
 */
export async function deleteObject(s3: S3Connection, path: string, ifMatch: string | undefined, options: CallOptions = {}): Promise<{ deleted: true } | { deleted: false }> {
  try {
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: s3.prefix + path, ...(ifMatch !== undefined ? { IfMatch: ifMatch } : {}) }), sendOptions(options));
    return { deleted: true };
  } catch (error) {
    const status = statusOf(error);
    if (ifMatch !== undefined && (status === 412 || status === 409 || nameOf(error) === 'PreconditionFailed')) return { deleted: false };
    throw failure(s3, `delete ${path}`, error);
  }
}

/** Every object under a folder path ("it/presence/all"), a page of up to 1,000 keys per request. */
export async function listObjects(s3: S3Connection, folder: string, options: CallOptions = {}): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  const prefix = `${s3.prefix}${folder}/`;
  let token: string | undefined;
  do {
    let page;
    try {
      page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, MaxKeys: 1000, ContinuationToken: token }), sendOptions(options));
    } catch (error) {
      throw failure(s3, `list ${folder}/`, error);
    }
    for (const item of page.Contents ?? []) {
      if (!item.Key?.startsWith(s3.prefix)) continue;
      out.push({ path: item.Key.slice(s3.prefix.length), size: item.Size ?? 0, etag: item.ETag ?? '', lastModified: item.LastModified ?? new Date(0) });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** The names of the folders directly under a folder path (ListObjectsV2 with a delimiter: keys are not listed). */
export async function listFolders(s3: S3Connection, folder: string, options: CallOptions = {}): Promise<string[]> {
  const out: string[] = [];
  const prefix = `${s3.prefix}${folder}/`;
  let token: string | undefined;
  do {
    let page;
    try {
      page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, Delimiter: '/', MaxKeys: 1000, ContinuationToken: token }), sendOptions(options));
    } catch (error) {
      throw failure(s3, `list ${folder}/`, error);
    }
    for (const common of page.CommonPrefixes ?? []) {
      if (common.Prefix?.startsWith(prefix)) out.push(common.Prefix.slice(prefix.length).replace(/\/$/, ''));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Every version of the objects under a key prefix, newest first per key (bucket versioning). */
export async function listVersions(s3: S3Connection, keyPrefix: string, options: CallOptions = {}): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    let page;
    try {
      page = await s3.client.send(
        new ListObjectVersionsCommand({ Bucket: s3.bucket, Prefix: s3.prefix + keyPrefix, MaxKeys: 1000, KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
        sendOptions(options),
      );
    } catch (error) {
      throw failure(s3, `list versions of ${keyPrefix}`, error);
    }
    for (const item of page.Versions ?? []) {
      if (!item.Key?.startsWith(s3.prefix)) continue;
      out.push({
        path: item.Key.slice(s3.prefix.length),
        size: item.Size ?? 0,
        etag: item.ETag ?? '',
        lastModified: item.LastModified ?? new Date(0),
        versionId: item.VersionId,
      });
    }
    const more = page.IsTruncated === true;
    keyMarker = more ? page.NextKeyMarker : undefined;
    versionMarker = more ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return out;
}

/** Runs `work` over `items`, at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(runners);
  return results;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** What went wrong, for the outbox and the log: the store, the operation, the reason. */
function failure(s3: S3Connection, operation: string, error: unknown): S3Failure {
  const status = statusOf(error);
  const name = nameOf(error);
  let reason: string;
  if (error instanceof S3ServiceException) reason = `${name}${status ? ` (HTTP ${status})` : ''}${error.message && error.message !== name && error.message !== 'UnknownError' ? `: ${error.message}` : ''}`;
  else if (name === 'AbortError') reason = 'timed out at the delivery deadline';
  else reason = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? name}: ${error.message}` : String(error);
  const hint =
    name === 'NoSuchBucket'
      ? ' (create the bucket, or check presence.s3.bucket)'
      : status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch'
        ? ' (check the AWS credentials this node uses and their permissions on the bucket)'
        : name === 'CredentialsProviderError'
          ? ' (no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or an instance role)'
          : '';
  const secrets = [...s3.secrets, process.env.AWS_SECRET_ACCESS_KEY ?? '', process.env.AWS_SESSION_TOKEN ?? ''].filter((s) => s.length >= 8);
  const permanent = status === 400 || status === 411 || status === 413;
  const retryAfterMs = status === 503 || name === 'SlowDown' ? 5000 : undefined;
  return new S3Failure(redactSecrets(`${s3.where}: cannot ${operation}: ${reason}${hint}`, secrets), permanent, retryAfterMs);
}
