import fs from 'node:fs';
import path from 'node:path';

/**
 * The pace of one node's posts to one destination, kept in a small file under
 * $NODEGRID_HOME/chat/ so that separate runs (state set, notify, the
 * heartbeat) share it: at least `minIntervalMs` between posts (Slack allows
 * about one per second per webhook), longer when the service asked for a
 * pause (429 Retry-After, Discord's empty rate-limit bucket).
 */
export class PostPace {
  private readonly file: string;

  constructor(stateDir: string, destinationName: string, private readonly minIntervalMs: number) {
    this.file = path.join(stateDir, `${destinationName}.json`);
  }

  /** How long to wait before the next post may go out. */
  waitMs(now = Date.now()): number {
    return Math.max(0, this.readNextPostAt() - now);
  }

  /** A post was answered at `now`; the service may have asked for a longer pause. */
  recordPost(now = Date.now(), serviceWaitMs = 0): void {
    const next = now + Math.max(this.minIntervalMs, serviceWaitMs);
    if (next <= now) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify({ nextPostAt: new Date(next).toISOString() })}\n`);
      fs.renameSync(tmp, this.file);
    } catch {
      // Pacing is a courtesy to the service; failing to record it must not fail a delivery.
    }
  }

  private readNextPostAt(): number {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { nextPostAt?: unknown };
      const at = typeof parsed.nextPostAt === 'string' ? Date.parse(parsed.nextPostAt) : NaN;
      return Number.isFinite(at) ? at : 0;
    } catch {
      return 0;
    }
  }
}
