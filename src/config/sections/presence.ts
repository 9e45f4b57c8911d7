import * as z from 'zod/mini';
import { isLabelKey, isLabelValue, LABEL_KEY_RULE, LABEL_VALUE_RULE, MAX_LABELS } from '../../core/labels';
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

const remoteUrl = z.string().check(z.minLength(1), z.maxLength(2000), z.regex(REMOTE, REMOTE_FORMS_TEXT)).register(z.globalRegistry, { rules: [REMOTE_FORMS_TEXT] });

/**
 * git drops < > and newlines from a name (a commit under another name), trims
 * spaces and . , : ; " \ ' from its ends, and refuses a name made only of those:
 * then every presence commit would fail, forever.
 */
const GIT_NAME = /^(?![\s\S]*[<>\u0000-\u001f\u007f])(?=[\s\S]*[^\u0000-\u0020.,:;<>"\\'])[\s\S]*$/;
const AUTHOR_NAME_RULE = 'a name git accepts (1-200 characters): no <, > or control characters, and not only spaces and . , : ; " \\ \'';
const AUTHOR_EMAIL_RULE = 'an email address (1-200 characters) without spaces, < or >';

const REMOTE_NAME_RULE = 'a remote name is 1-64 characters from A-Z a-z 0-9 . _ -';
const namedRemote = z.strictObject({
  name: z.string().check(z.regex(SINK_NAME, REMOTE_NAME_RULE)).register(z.globalRegistry, {
    rules: [REMOTE_NAME_RULE],
    description: 'The sink is called `presence:<name>` (its queue folder, `nodegrid outbox`).',
  }),
  // A copy of its own: registering on remoteUrl would replace its rules for every key that uses it.
  url: z.clone(remoteUrl).register(z.globalRegistry, { description: 'The git remote.' }),
});

const BRANCH_RULE = 'a branch name';
const branchName = z.string().check(z.regex(BRANCH, BRANCH_RULE)).register(z.globalRegistry, { rules: [BRANCH_RULE] });

/** S3 bucket naming rules (3-63 of a-z 0-9 . -, starting and ending with a letter or digit). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A key prefix: "/"-separated names, no "." or ".." component, no leading "/". */
const KEY_PREFIX = /^(?:(?!\.{1,2}\/)[A-Za-z0-9._=+-]+\/)*$/;

const BUCKET_RULE = 'an S3 bucket name (3-63 characters: a-z 0-9 . -)';
const KEY_PREFIX_RULE = 'a key prefix ending in "/" such as "grids/fed1/" (or "")';
const keyPrefix = z.string().check(z.maxLength(200), z.regex(KEY_PREFIX, KEY_PREFIX_RULE)).register(z.globalRegistry, { rules: [KEY_PREFIX_RULE] });
const REGION_RULE = 'an AWS region such as us-west-2';
const awsRegion = z.string().check(z.regex(/^[a-z0-9-]{1,32}$/, REGION_RULE)).register(z.globalRegistry, { rules: [REGION_RULE] });
const ENDPOINT_RULE = 'an http(s) URL such as https://s3.example.com';
const endpointUrl = z.string().check(z.regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, ENDPOINT_RULE)).register(z.globalRegistry, { rules: [ENDPOINT_RULE] });

/** Presence in an S3-compatible store, for grids that outgrow one git remote. */
const s3Store = z.strictObject({
  bucket: z.string().check(z.regex(BUCKET, BUCKET_RULE)).register(z.globalRegistry, { rules: [BUCKET_RULE], description: 'The bucket; it must exist.' }),
  prefix: z._default(keyPrefix, '').register(z.globalRegistry, { description: 'Keys start with this (`grids/fed1/`, ending in `/`); empty puts `it/presence/` at the bucket root.' }),
  region: z.optional(awsRegion).register(z.globalRegistry, { description: 'Default: `AWS_REGION` (or `AWS_DEFAULT_REGION`), else `us-east-1`.' }),
  endpoint: z.optional(endpointUrl).register(z.globalRegistry, { description: 'Another S3-compatible store (`http://127.0.0.1:7480`); default AWS.' }),
  forcePathStyle: z.optional(z.boolean()).register(z.globalRegistry, { description: 'Bucket in the path rather than the host name; default true when an endpoint is set.' }),
  history: z._default(z.enum(['objects', 'versions']), 'objects').register(z.globalRegistry, {
    description: "`objects`: each state change also writes `it/presence/history/<id>/<seq>.json` (any store). `versions`: read a node's past from bucket versioning instead.",
  }),
  conditionalWrites: z._default(z.boolean(), true).register(z.globalRegistry, {
    description: 'If-Match/If-None-Match on writes, so a stale writer never overwrites a newer document. Turn off only for a store without them.',
  }),
  timeoutSeconds: z._default(duration('s', { min: 1, max: 600 }), 20).register(z.globalRegistry, { description: 'Longest a single S3 request may take.' }),
});

export const presenceSection = z._default(
  z.strictObject({
    backend: z._default(z.enum(['git', 's3', 'hybrid']), 'git').register(z.globalRegistry, {
      description: '`git`: documents, state changes and beats in git. `s3`: all in the bucket of `presence.s3`. `hybrid`: documents and state changes in git (the history people read), heartbeats in S3 (the liveness machines read). See [Scale](#scale-git-s3-or-both).',
    }),
    s3: z.optional(s3Store).register(z.globalRegistry, {
      description: 'An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2) with the same keys and documents as the git layout. Credentials come from the AWS SDK chain (environment, profile, instance role), never from this file.',
    }),
    remote: z.optional(remoteUrl).register(z.globalRegistry, {
      description: 'One git remote: `git@host:path` (ssh, scp-like), `ssh://`, `git://`, `http(s)://`, `file://` or an absolute path (relative paths and `transport::` helpers are refused): the sink `presence:origin`.',
    }),
    remotes: z.optional(z.array(z.union([remoteUrl, namedRemote]))).register(z.globalRegistry, {
      description: 'Several remotes, each its own sink queue: URLs (named after host and path) or `{name, url}`.',
    }),
    branch: z._default(branchName, 'main').register(z.globalRegistry, { description: 'Branch of the current documents; created on an empty remote.' }),
    heartbeat: z._default(
      z.strictObject({
        branch: z.optional(branchName).register(z.globalRegistry, { description: 'Default: the same branch. A separate one keeps the main history readable.' }),
        everyMinutes: z._default(duration('m', { min: 1 / 60, max: 1440 }), 1).register(z.globalRegistry, {
          description: '`presence heartbeat` beats at most this often (readers judge staleness in missed beats). Under a minute (`10s`, for demos and tests) each beat also records its exact time, since flattime folders only tell the minute.',
        }),
      }),
      { everyMinutes: 1 },
    ).register(z.globalRegistry, { description: 'Where and how often the flattime heartbeats are written.' }),
    fields: z._default(z.array(z.enum(['hostname', 'privateIp', 'version'])), []).register(z.globalRegistry, {
      description: 'Extra allow-listed fields under `value`.',
    }),
    labels: z._default(
      z.record(
        z.string().check(z.refine(isLabelKey, `a label key is ${LABEL_KEY_RULE}`)),
        z.string().check(z.refine(isLabelValue, `a label value is ${LABEL_VALUE_RULE}`)),
      ).check(z.refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`)),
      {},
    ).register(z.globalRegistry, {
      rules: [`keys: ${LABEL_KEY_RULE}`, `values: ${LABEL_VALUE_RULE}`],
      description: `Free-form labels (\`env: prod\`) published under \`value.labels\` and selected with \`-l env=prod\`; \`labels.txt\` in the nodeinfo folder (\`key=value\` per line) adds to them and wins key by key. At most ${MAX_LABELS}. See [Labels](#labels-and-selectors).`,
    }),
    author: z.optional(
      z.strictObject({
        name: z.string().check(z.minLength(1), z.maxLength(200), z.regex(GIT_NAME, AUTHOR_NAME_RULE)).register(z.globalRegistry, {
          rules: [AUTHOR_NAME_RULE],
          description: 'Commit author name.',
        }),
        email: z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[^<>\s\u0000-\u001f\u007f]+$/, AUTHOR_EMAIL_RULE)).register(z.globalRegistry, {
          rules: [AUTHOR_EMAIL_RULE],
          description: 'Commit author email.',
        }),
      }),
    ).register(z.globalRegistry, { description: 'Author and committer of presence commits (default: `nodegrid <nodegrid@ID>`).' }),
    pushBudgetSeconds: z._default(duration('s'), 60).register(z.globalRegistry, {
      description: 'How long one delivery may keep retrying a rejected push before it is left to the outbox.',
    }),
    gitTimeoutSeconds: z._default(duration('s'), 60).register(z.globalRegistry, {
      description: 'Longest a single git fetch or push may take before it is killed. Also bounds what a reader (`nodes --remote`, `find`, `at`, `history`, `serve`, `presence show` within its `--wait`) waits for a remote that does not answer; it then exits 69 naming the remote.',
    }),
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
  { backend: 'git', branch: 'main', heartbeat: { everyMinutes: 1 }, fields: [], labels: {}, pushBudgetSeconds: 60, gitTimeoutSeconds: 60 },
);

export type PresenceConfig = z.infer<typeof presenceSection>;
export type S3StoreConfig = z.infer<typeof s3Store>;
