import { formatPresenceDocument, heartbeatPath } from '../../src/presence/format';
import { flattimeMinute } from '../../src/core/time';
import { gitSync } from './git-server';

/**
 * Heartbeat history made in bulk for compaction tests: beat commits as the
 * presence sink makes them (one file, "<id>: heartbeat <minute>", nodegrid as
 * author), dated in the past through the committer date, written with one
 * `git fast-import` instead of hundreds of git calls.
 */
export interface PastBeat {
  readonly id: string;
  readonly at: Date;
}

export function appendBeats(bareDir: string, branch: string, beats: readonly PastBeat[]): string {
  const exists = gitSync(['--git-dir', bareDir, 'for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`]).trim();
  const chunks: Buffer[] = [];
  beats.forEach((beat, i) => {
    const seconds = Math.floor(beat.at.getTime() / 1000);
    const who = `nodegrid <nodegrid@${beat.id}> ${seconds} +0000`;
    const message = Buffer.from(`${beat.id}: heartbeat ${flattimeMinute(beat.at)}\n`);
    const content = Buffer.from(beatContent(beat.id));
    chunks.push(
      Buffer.from(`commit refs/heads/${branch}\nauthor ${who}\ncommitter ${who}\ndata ${message.length}\n`),
      message,
      Buffer.from(i === 0 && exists !== '' ? `from ${exists}\n` : ''),
      Buffer.from(`M 100644 inline ${heartbeatPath(beat.id, beat.at)}\ndata ${content.length}\n`),
      content,
      Buffer.from('\n'),
    );
  });
  gitSync(['--git-dir', bareDir, 'fast-import', '--quiet', '--date-format=raw'], { input: Buffer.concat(chunks).toString('utf8') });
  return gitSync(['--git-dir', bareDir, 'rev-parse', `refs/heads/${branch}`]).trim();
}

export function beatContent(id: string): string {
  return formatPresenceDocument({ 'instance-id': id, deployment: 'fed1', nodepart: 'db1', state: 'running', statelog: 'setup:20261101-000000;running:20261101-000100;', statetss: '20261101-000100' });
}

/** `count` beats of `ids`, a minute apart from noon UTC of the day `daysAgo` days before `now`. */
export function beatsOfDay(now: Date, daysAgo: number, ids: readonly string[], count: number): PastBeat[] {
  const noon = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo, 12);
  const beats: PastBeat[] = [];
  for (let i = 0; i < count; i++) for (const id of ids) beats.push({ id, at: new Date(noon + i * 60_000) });
  return beats;
}
