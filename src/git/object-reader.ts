import { stopProcessGroup } from '../sys/process';
import { spawnGit } from './run';

/**
 * Reads objects through one `git cat-file --batch` for a whole delivery (every
 * attempt of it), instead of a process per read: git knows packs, we only
 * frame its output ("<sha> <type> <size>\n<body>\n" or "<name> missing\n").
 * Objects larger than `maxBytes` are skipped as they stream past, so a hostile
 * 50 MB file at a path we read costs no memory.
 */
export interface ReadObject {
  readonly sha: string;
  readonly type: string;
  readonly size: number;
  /** Undefined when the object was larger than the read's limit. */
  readonly body: Buffer | undefined;
}

interface Waiting {
  readonly maxBytes: number;
  resolve(object: ReadObject | undefined): void;
  reject(error: Error): void;
}

export class ObjectReader {
  private readonly child;
  private readonly waiting: Waiting[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  /** The object being received: its header, and how many body bytes are still to come. */
  private current: { header: Omit<ReadObject, 'body'>; remaining: number; parts: Buffer[] | undefined } | undefined;
  private failed: Error | undefined;
  private exited = false;

  constructor(gitDir: string) {
    this.child = spawnGit(['cat-file', '--batch'], { gitDir });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    let stderr = '';
    this.child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    this.child.stdin.on('error', () => {
      /* reported through close */
    });
    const fail = (error: Error): void => {
      this.exited = true;
      this.failed ??= error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.failed);
    };
    this.child.on('error', (error) => fail(new Error(`could not run git cat-file: ${error.message}`)));
    this.child.on('close', (code) => fail(new Error(`git cat-file ended (exit ${code ?? 'signal'})${stderr.trim() ? `: ${stderr.trim()}` : ''}`)));
  }

  /** The object named by `name` (a sha or any revision git understands), or undefined when missing. */
  read(name: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<ReadObject | undefined> {
    if (this.failed) return Promise.reject(this.failed);
    if (/[\n\r]/.test(name)) return Promise.reject(new Error('an object name cannot hold a newline'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ maxBytes, resolve, reject });
      this.child.stdin.write(`${name}\n`);
    });
  }

  close(): void {
    if (this.exited) return;
    this.child.stdin.end();
    // cat-file exits on end of input; make sure a hung one does not outlive us.
    const timer = setTimeout(() => stopProcessGroup(this.child, () => this.exited), 2000);
    timer.unref();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      if (this.current) {
        const take = Math.min(this.current.remaining, this.buffered.length);
        if (this.current.parts) this.current.parts.push(this.buffered.subarray(0, take));
        this.current.remaining -= take;
        this.buffered = this.buffered.subarray(take);
        if (this.current.remaining > 0) return;
        // The body is followed by one newline.
        if (this.buffered.length === 0) return;
        this.buffered = this.buffered.subarray(1);
        const done = this.current;
        this.current = undefined;
        this.waiting.shift()?.resolve({ ...done.header, body: done.parts ? Buffer.concat(done.parts) : undefined });
        continue;
      }
      const newline = this.buffered.indexOf(0x0a);
      if (newline < 0) return;
      const line = this.buffered.toString('utf8', 0, newline);
      this.buffered = this.buffered.subarray(newline + 1);
      const header = /^([0-9a-f]{40}) (\S+) (\d+)$/.exec(line);
      const waiter = this.waiting[0];
      if (!header) {
        // "<name> missing" or "<name> ambiguous"
        this.waiting.shift()?.resolve(undefined);
        continue;
      }
      const size = Number(header[3]);
      this.current = {
        header: { sha: header[1]!, type: header[2]!, size },
        remaining: size,
        parts: size <= (waiter?.maxBytes ?? Number.MAX_SAFE_INTEGER) ? [] : undefined,
      };
    }
  }
}
