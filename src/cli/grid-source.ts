import type { Command } from 'commander';
import { isSubMinute } from '../core/beat-cadence';
import { TIME_SPEC_EXAMPLES } from '../core/time-spec';
import type { HealthRules } from '../core/health';
import { settingUpStates } from '../core/lifecycle';
import { loadGrid, type LoadedGrid } from '../grid/load';
import { openPresence } from '../presence/open';
import type { PresenceView } from '../presence/store';
import { classifyGrid, type GridNode } from '../grid/view';
import type { CliContext } from './context';
import { parseNow } from './time-option';

/**
 * The options every reading command shares (--presence, --remote, --now) and
 * the one way they open the grid, so nodes, find, history, at and monitor
 * read presence identically.
 */
export interface GridSourceFlags {
  presence?: string;
  remote?: string;
  now?: string;
}

export function addGridSourceOptions(command: Command, withNow = true): Command {
  command
    .option('--presence <dir>', 'read a presence folder or checkout (the folder that contains it/presence/)')
    .option('--remote <url>', 'fetch this presence git remote into a read-only clone under $NODEGRID_HOME/grid (default: presence.remote)');
  if (withNow) command.option('--now <time>', `evaluate as of this time instead of the clock: ${TIME_SPEC_EXAMPLES}`);
  return command;
}

export function healthRules(context: CliContext): HealthRules {
  const { grid, presence } = context.settings.config;
  return {
    zombieAfterMinutes: grid.zombieAfterMinutes,
    staleAfterBeats: grid.staleAfterBeats,
    stuckDrainingMinutes: grid.stuckDrainingMinutes,
    deployments: new Map(Object.entries(grid.deployments)),
    beatEveryMinutes: presence.heartbeat.everyMinutes,
    settingUp: settingUpStates(context.settings.lifecycle),
  };
}

export function locate(context: CliContext, flags: GridSourceFlags): Promise<PresenceView> {
  // A bad --now is refused before a remote is fetched: bad input changes nothing and waits for nothing.
  if (flags.now !== undefined) parseNow(flags.now);
  return openPresence({ presenceDir: flags.presence, remoteUrl: flags.remote, presence: context.settings.config.presence, homeDir: context.home.root });
}

export interface OpenedGrid {
  readonly grid: LoadedGrid;
  readonly nodes: GridNode[];
  readonly now: Date;
}

/** Reads and classifies the grid; every skipped file is named on stderr and nothing else stops. */
export async function openGrid(context: CliContext, flags: GridSourceFlags, location?: PresenceView): Promise<OpenedGrid> {
  const now = parseNow(flags.now);
  const where = location ?? (await locate(context, flags));
  const grid = await loadGrid(where, { now, lookbackHours: context.settings.config.grid.beatLookbackHours, exactBeats: isSubMinute(context.settings.config.presence.heartbeat.everyMinutes) });
  for (const problem of grid.problems) context.out.warn(`${safeText(problem.file)}: ${safeText(problem.message)} (skipped)`);
  return { grid, nodes: classifyGrid(grid.records, grid.beats, now, healthRules(context), grid.beatTimes, grid.silences), now };
}

/** File names and messages come from hostile data: no control characters, bounded length. */
export function safeText(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clean.length > 200 ? `${clean.slice(0, 200)}… (${clean.length} characters)` : clean;
}
