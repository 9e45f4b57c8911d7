import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3StoreConfig } from '../../src/config/sections/presence';
import type { CephRgw } from './ceph-rgw.mjs';

/**
 * The real AWS SDK pointed at the test's Ceph RADOS Gateway, for setting up
 * buckets and looking at what nodegrid wrote, independently of nodegrid's own
 * S3 code. Settings as RGW 16 needs them (no streaming checksums).
 */
export function testS3Client(rgw: CephRgw): S3Client {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return new S3Client({
    endpoint: rgw.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: rgw.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

let buckets = 0;

/** A fresh bucket ("ng-<pid>-<n>"), versioned when asked. */
export async function createBucket(client: S3Client, options: { versioned?: boolean } = {}): Promise<string> {
  const name = `ng-${process.pid}-${++buckets}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  if (options.versioned) await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  return name;
}

/** presence.s3 for a bucket of the test gateway. */
export function storeConfig(rgw: CephRgw, bucket: string, overrides: Partial<S3StoreConfig> = {}): S3StoreConfig {
  return { bucket, prefix: '', endpoint: rgw.endpoint, region: 'us-east-1', history: 'objects', conditionalWrites: true, timeoutSeconds: 20, ...overrides };
}

/** The environment a nodegrid process needs to reach the gateway (the SDK's default credential chain). */
export function s3Env(rgw: CephRgw): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey, AWS_REGION: 'us-east-1' };
}

/** In-process code (the sink, the reader) uses the SDK's default chain too. */
export function useS3Credentials(rgw: CephRgw): void {
  Object.assign(process.env, s3Env(rgw));
}
