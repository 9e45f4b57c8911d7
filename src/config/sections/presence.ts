import * as z from 'zod/mini';
import { duration } from '../duration';
import { SINK_NAME } from './outbox';

const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9._/-]{1,100}(?<![./])$/;

/**
 * A git remote in a form git accepts and a grid would use: scp-like ssh
 * ("git@github.com:acme/grid-presence.git"), ssh://, git://, http(s)://, file://
 * or an absolute path. Passed to git as an argument, so never starting with "-"
 * (an option) nor holding whitespace or control characters; transport helpers
 * ("ext::…", "fd::…") and relative paths (relative to whatever folder cron ran in) are refused.
 */
const REMOTE_FORMS = [
  /(?:ssh|git\+ssh|ssh\+git|git|https?):\/\/[^\s/]+(?:\/\S*)?/,
  /file:\/\/\S+/,
  /\/\S*/,
  // [user@]host:path, where the host holds no "/" and the path does not start with ":" (transport::address) or "//" (a URL).
  /(?:[^\s@/:]+@)?(?:\[[^\]\s/]+\]|[^\s@/:]+):(?![:]|\/\/)\S+/,
];
const REMOTE = new RegExp(`^(?![-\\s])(?!.*[\\u0000-\\u001f\\u007f])(?:${REMOTE_FORMS.map((form) => `(?:${form.source})`).join('|')})$`, 'i');
export const REMOTE_FORMS_TEXT = 'a git remote: git@host:path (ssh, scp-like), ssh://[user@]host[:port]/path, git://host/path, http(s)://host/path, file:///path, or an absolute /path (no spaces)';

const remoteUrl = z.string().check(z.minLength(1), z.maxLength(2000), z.regex(REMOTE, REMOTE_FORMS_TEXT));

/**
 * git drops < > and newlines from a name (a commit under another name), trims
 * spaces and . , : ; " \ ' from its ends, and refuses a name made only of those:
 * then every presence commit would fail, forever.
 */
const GIT_NAME = /^(?![\s\S]*[<>\u0000-\u001f\u007f])(?=[\s\S]*[^\u0000-\u0020.,:;<>"\\'])[\s\S]*$/;
const authorName = z.string().check(
  z.minLength(1),
  z.maxLength(200),
  z.regex(GIT_NAME, 'a name git accepts (1-200 characters): no <, > or control characters, and not only spaces and . , : ; " \\ \''),
);
const authorEmail = z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[^<>\s\u0000-\u001f\u007f]+$/, 'an email address (1-200 characters) without spaces, < or >'));

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
    author: z.optional(z.strictObject({ name: authorName, email: authorEmail })),
    /** How long one delivery may keep retrying a rejected push before it is left to the outbox. */
    pushBudgetSeconds: z._default(duration('s'), 60),
    /** Longest a single git fetch or push may take before it is killed. */
    gitTimeoutSeconds: z._default(duration('s'), 60),
  }).check(
    z.refine((presence) => presence.backend === 'git' || presence.s3 !== undefined, {
      error: 'backend s3 and hybrid need presence.s3 (at least a bucket)',
      path: ['s3'],
    }),
    z.refine((presence) => presence.backend !== 'hybrid' || presence.remote !== undefined || (presence.remotes?.length ?? 0) > 0, {
      error: 'backend hybrid keeps state changes in git: set presence.remote too',
      path: ['backend'],
    }),
  ),
  { backend: 'git', branch: 'main', heartbeat: { everyMinutes: 1 }, fields: [], pushBudgetSeconds: 60, gitTimeoutSeconds: 60 },
);

export type PresenceConfig = z.infer<typeof presenceSection>;
export type S3StoreConfig = z.infer<typeof s3Store>;
