import { S3Client } from '@aws-sdk/client-s3';
import type { S3StoreConfig } from '../config/sections/presence';
import { redactUrlCredentials, urlCredentialSecrets } from '../core/secrets';

/**
 * The one place an S3 client is built. This module imports the SDK statically,
 * so it must only ever be loaded with `await import()`: esbuild puts it and
 * the SDK in a chunk of their own and a git-only node never compiles it.
 *
 * Credentials come from the SDK's default chain (environment, profile, SSO,
 * instance role). Settings every S3-compatible store accepts:
 * - checksums only when an operation requires them: the SDK's default
 *   streaming (aws-chunked) checksums are refused by Ceph RGW with 411 and by
 *   older MinIO, and a presence document is a few hundred bytes;
 * - path-style addressing with a custom endpoint (no wildcard DNS on 127.0.0.1).
 */
export interface S3Connection {
  readonly client: S3Client;
  readonly bucket: string;
  /** Prepended to every repository-relative path ("grids/fed1/"). */
  readonly prefix: string;
  /** For messages: "s3://bucket/prefix at http://127.0.0.1:7480". */
  readonly where: string;
  readonly timeoutMs: number;
  /** Strings never to print (an endpoint with credentials in it). */
  readonly secrets: readonly string[];
}

export function openS3(config: S3StoreConfig, options: { maxAttempts?: number } = {}): S3Connection {
  const timeoutMs = config.timeoutSeconds * 1000;
  const client = new S3Client({
    ...(config.region ? { region: config.region } : process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION ? {} : { region: 'us-east-1' }),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Three quick tries: a racing conditional write's loser may see a 500 before the 412
    // (Ceph RGW), and the SDK's retry turns it into the answer. Beyond that the outbox retries.
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: Math.min(5000, timeoutMs), requestTimeout: timeoutMs },
  });
  const shownEndpoint = config.endpoint ? redactUrlCredentials(config.endpoint) : undefined;
  return {
    client,
    bucket: config.bucket,
    prefix: config.prefix,
    where: `s3://${config.bucket}/${config.prefix}${shownEndpoint ? ` at ${shownEndpoint}` : ''}`,
    timeoutMs,
    secrets: config.endpoint ? urlCredentialSecrets(config.endpoint) : [],
  };
}
