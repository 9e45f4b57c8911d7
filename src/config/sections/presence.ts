import * as z from 'zod/mini';
import { duration } from '../duration';
import { SINK_NAME } from './outbox';

const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9._/-]{1,100}(?<![./])$/;

/**
 * A git remote as git understands it (URL, scp-like "git@host:path", local path).
 * Passed to git as an argument, so it may not start with "-" (an option) or hold
 * whitespace or control characters.
 */
const remoteUrl = z.string().check(
  z.minLength(1),
  z.maxLength(2000),
  z.regex(/^[^-\s\u0000-\u001f\u007f][^\s\u0000-\u001f\u007f]*$/, 'a git remote URL or path (no spaces, not starting with "-")'),
);

const namedRemote = z.strictObject({
  /** The sink is called "presence:<name>" (queue folder, `nodegrid outbox`). */
  name: z.string().check(z.regex(SINK_NAME, 'a remote name is 1-64 characters from A-Z a-z 0-9 . _ -')),
  url: remoteUrl,
});

/** S3 bucket naming rules (3-63 of a-z 0-9 . -, starting and ending with a letter or digit). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A key prefix: "/"-separated names, no "." or ".." component, no leading "/". */
const KEY_PREFIX = /^(?:(?!\.{1,2}\/)[A-Za-z0-9._=+-]+\/)*$/;

/**
 * Presence in an S3-compatible store (AWS S3, MinIO, Ceph RGW, R2), for grids
 * that outgrow one git remote. Same keys and documents as the git layout,
 * under `prefix`. Credentials come from the AWS SDK's default chain, never from here.
 */
const s3Store = z.strictObject({
  bucket: z.string().check(z.regex(BUCKET, 'an S3 bucket name (3-63 characters: a-z 0-9 . -)')),
  /** Keys start with this ("grids/fed1/"); "" puts it/presence/ at the bucket's root. */
  prefix: z._default(z.string().check(z.maxLength(200), z.regex(KEY_PREFIX, 'a key prefix ending in "/" such as "grids/fed1/" (or "")')), ''),
  /** Default: AWS_REGION (or AWS_DEFAULT_REGION), else us-east-1. */
  region: z.optional(z.string().check(z.regex(/^[a-z0-9-]{1,32}$/, 'an AWS region such as us-west-2'))),
  /** Another S3-compatible store ("http://127.0.0.1:7480"); default AWS. */
  endpoint: z.optional(z.string().check(z.regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'an http(s) URL such as https://s3.example.com'))),
  /** Bucket in the path, not the host name; default true with an endpoint (MinIO, RGW), false on AWS. */
  forcePathStyle: z.optional(z.boolean()),
  /**
   * Where `history` reads a node's past: "objects" writes it/presence/history/<id>/<seq>.json
   * per state change (works everywhere); "versions" relies on bucket versioning.
   */
  history: z._default(z.enum(['objects', 'versions']), 'objects'),
  /** If-Match / If-None-Match on writes, so a stale writer cannot overwrite a newer document. Turn off only for stores without them. */
  conditionalWrites: z._default(z.boolean(), true),
  /** Longest a single S3 request may take. */
  timeoutSeconds: z._default(duration('s', { min: 1, max: 600 }), 20),
});

export const presenceSection = z._default(
  z.strictObject({
    /**
     * git: documents and beats in git. s3: both in the bucket of presence.s3.
     * hybrid: documents and state changes in git, heartbeats in S3.
     */
    backend: z._default(z.enum(['git', 's3', 'hybrid']), 'git'),
    s3: z.optional(s3Store),
    /** One git remote (URL or path): the sink "presence:origin". */
    remote: z.optional(remoteUrl),
    /** Several remotes, each its own sink queue: URLs (named after host and path) or {name, url}. */
    remotes: z.optional(z.array(z.union([remoteUrl, namedRemote]))),
    /** Branch of the current documents; created on an empty remote. */
    branch: z._default(z.string().check(z.regex(BRANCH, 'a branch name')), 'main'),
    heartbeat: z._default(
      z.strictObject({
        /** Default: the same branch. A separate one keeps the main history readable. */
        branch: z.optional(z.string().check(z.regex(BRANCH, 'a branch name'))),
        /**
         * `presence heartbeat` beats at most this often (readers judge staleness in missed beats).
         * Under a minute ("10s", for demos and tests) each beat also records its time, because
         * flattime folders only tell the minute.
         */
        everyMinutes: z._default(duration('m', { min: 1 / 60, max: 1440 }), 1),
      }),
      { everyMinutes: 1 },
    ),
    /** Extra allow-listed fields under "value". */
    fields: z._default(z.array(z.enum(['hostname', 'privateIp', 'version'])), []),
    /** Author and committer of presence commits (default: nodegrid <nodegrid@ID>). */
    author: z.optional(z.strictObject({ name: z.string().check(z.minLength(1), z.maxLength(200)), email: z.string().check(z.minLength(1), z.maxLength(200)) })),
    /** How long one delivery may keep retrying a rejected push before it is left to the outbox. */
    pushBudgetSeconds: z._default(duration('s'), 60),
    /** Longest a single git fetch or push may take before it is killed. */
    gitTimeoutSeconds: z._default(duration('s'), 60),
  }).check(
    z.refine((presence) => presence.backend === 'git' || presence.s3 !== undefined, {
      message: 'backend s3 and hybrid need presence.s3 (at least a bucket)',
      path: ['s3'],
    }),
    z.refine((presence) => presence.backend !== 'hybrid' || presence.remote !== undefined || (presence.remotes?.length ?? 0) > 0, {
      message: 'backend hybrid keeps state changes in git: set presence.remote too',
      path: ['backend'],
    }),
  ),
  { backend: 'git', branch: 'main', heartbeat: { everyMinutes: 1 }, fields: [], pushBudgetSeconds: 60, gitTimeoutSeconds: 60 },
);

export type PresenceConfig = z.infer<typeof presenceSection>;
export type S3StoreConfig = z.infer<typeof s3Store>;
