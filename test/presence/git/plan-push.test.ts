import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../src/core/event';
import { classifyPush } from '../../../src/presence/git/failures';
import { presenceChanges } from '../../../src/presence/change';
import { planRun } from '../../../src/presence/git/plan';
import { labelForUrl, presenceRemotes } from '../../../src/presence/git/remotes';
import { presenceSection } from '../../../src/config/sections/presence';

const URL = 'git://h/x.git';

describe('classifying git push results', () => {
  it('retries when another node pushed first, and treats a hook refusal as a refusal with the server\'s words', () => {
    expect(classifyPush(1, 'To h\n!\tabc:refs/heads/main\t[rejected] (fetch first)\nDone\n', '', URL, 'main').kind).toBe('stale');
    expect(classifyPush(1, '!\tabc:refs/heads/main\t[remote rejected] (failed to update ref)\n', '', URL, 'main').kind).toBe('stale');
    const hook = classifyPush(1, '!\tabc:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n', 'remote: frozen today        \nerror: failed to push some refs\n', URL, 'main');
    expect(hook).toEqual({ kind: 'refused', message: 'the server refused the push to git://h/x.git (branch main): [remote rejected] (pre-receive hook declined); the server said: frozen today' });
    expect(classifyPush(0, '*\tabc:refs/heads/main\t[new branch]\n', '', URL, 'main')).toEqual({ kind: 'ok', upToDate: false });
    expect(classifyPush(128, '', 'fatal: unable to connect to h:\nConnection refused\n', URL, 'main').kind).toBe('transient');
    expect(classifyPush(128, '', "fatal: Authentication failed for 'https://h/x.git/'\n", URL, 'main').kind).toBe('refused');
  });
});

describe('planning commits', () => {
  const base = { id: 'e', seq: 1, node: { id: 'n1', deployment: 'd', nodepart: 'p' }, from: null, state: 'setup', time: '2015-10-08T21:13:00.000Z', statetss: '20151008-211300', statelog: 'setup:20151008-211300;', severity: 'chatty', color: 'yellow' } as const;
  const ev = (kind: NodeEvent['kind'], seq: number, minute = 13): NodeEvent => ({ ...base, kind, seq, id: `e${seq}`, time: `2015-10-08T21:${minute}:00.000Z` });

  it('makes one commit per state change and coalesces consecutive heartbeats', () => {
    const run = planRun(presenceChanges([ev('heartbeat', 1, 10), ev('heartbeat', 2, 11), ev('state', 3), ev('heartbeat', 4, 12)], { stampBeats: false }), { branch: 'main', heartbeatBranch: 'main' });
    expect(run.changes).toBe(4);
    expect(run.commits.map((c) => c.message.split('\n')[0])).toEqual(['n1: heartbeat 201510082111 (2 beats since 201510082110)', 'n1:d/p: none -> setup', 'n1: heartbeat 201510082112']);
    expect(run.commits[0]!.files.map((f) => f.path)).toEqual(['it/presence/flattime/2015/10/08/21/201510082110/all/n1.json', 'it/presence/flattime/2015/10/08/21/201510082111/all/n1.json']);
  });

  it('stops at the first event for another branch, so delivery stays in order', () => {
    const run = planRun(presenceChanges([ev('state', 1), ev('heartbeat', 2), ev('state', 3)], { stampBeats: false }), { branch: 'main', heartbeatBranch: 'beats' });
    expect(run).toMatchObject({ branch: 'main', changes: 1 });
  });
});

describe('presence remotes', () => {
  it('names sinks after the remote without credentials, and lists the credentials as secrets', () => {
    const config = presenceSection.parse({ remote: 'https://user:tok3n-secret@git.example.com/acme/p.git', remotes: ['git@github.com:acme/grid-presence.git', { name: 'backup', url: '/srv/git/p.git' }] });
    const remotes = presenceRemotes(config);
    expect(remotes.map((r) => r.name)).toEqual(['origin', 'github.com-acme-grid-presence', 'backup']);
    expect(remotes[0]!.shownUrl).toBe('https://****@git.example.com/acme/p.git');
    expect(remotes[0]!.secrets).toContain('tok3n-secret');
    expect(remotes[1]!.secrets).toEqual([]);
    expect(labelForUrl('https://user:tok@host:8443/x.git')).toBe('host-8443-x');
  });

  it('refuses a remote that git would read as an option', () => {
    expect(presenceSection.safeParse({ remote: '--upload-pack=touch /tmp/x' }).success).toBe(false);
  });
});
