import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';

export const CHROMIUM: string;
export const CHROMIUM_ARGS: readonly string[];
export function launchChromium(): Promise<Browser>;

export interface ServeProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}
export function startServeProcess(bin: string, args: readonly string[], env: Record<string, string | undefined>, timeoutMs?: number): Promise<ServeProcess>;
