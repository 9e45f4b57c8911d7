import type { Command } from 'commander';
import { commandName } from './argv';
import { registerChatCommands } from './chat';
import { registerInfoCommand } from './info';
import { registerInitCommand } from './init';
import { registerInstallCommand } from './install';
import { registerNotifyCommand } from './notify';
import { registerOutboxCommands } from './outbox';
import { registerPresenceCommands } from './presence';
import { registerStateCommands } from './state';
import { registerTickCommands } from './tick';

/**
 * Every command, in the order `--help` lists them. Adding a command means a
 * file under cli/ and one line here.
 *
 * What a node runs every minute (state, tick, presence, outbox …) is bundled
 * into the entry file itself: one file to load. The observer's commands (the
 * grid, the dashboard, the audit) are loaded only when invoked, each as its
 * own chunk, so they never slow a node's `state set`.
 */
type Register = (program: Command) => void;
type Loader = () => Promise<Register>;

const now = (register: Register): Loader => async () => register;

const COMMANDS: ReadonlyArray<readonly [string, Loader]> = [
  ['init', now(registerInitCommand)],
  ['state', now(registerStateCommands)],
  ['info', now(registerInfoCommand)],
  ['outbox', now(registerOutboxCommands)],
  ['presence', now(registerPresenceCommands)],
  ['notify', now(registerNotifyCommand)],
  ['chat', now(registerChatCommands)],
  ['tick', now(registerTickCommands)],
  ['install', now(registerInstallCommand)],
  ['drain', async () => (await import('./leave')).registerDrainCommand],
  ['decommission', async () => (await import('./leave')).registerDecommissionCommand],
  ['request', async () => (await import('./request')).registerRequestCommand],
  ['requests', async () => (await import('./request')).registerRequestsCommand],
  ['silence', async () => (await import('./silence')).registerSilenceCommand],
  ['silences', async () => (await import('./silence')).registerSilencesCommand],
  ['doctor', async () => (await import('./doctor')).registerDoctorCommand],
  ['nodes', async () => (await import('./nodes')).registerNodesCommand],
  ['find', async () => (await import('./find')).registerFindCommand],
  ['wait', async () => (await import('./wait')).registerWaitCommand],
  ['history', async () => (await import('./history')).registerHistoryCommand],
  ['at', async () => (await import('./at')).registerAtCommand],
  ['monitor', async () => (await import('./monitor')).registerMonitorCommand],
  ['audit', async () => (await import('./audit')).registerAuditCommand],
  ['serve', async () => (await import('./serve')).registerServeCommand],
];

/** Commands registered by another command's file. */
const ALIASES: Record<string, string> = { agent: 'tick', sinks: 'chat' };

/** The loaders for the command named in argv, or for every command (help, an unknown name). */
export function commandLoaders(argv: readonly string[]): Loader[] {
  const name = commandName(argv);
  const wanted = name === undefined ? undefined : (ALIASES[name] ?? name);
  const chosen = COMMANDS.filter(([command]) => command === wanted);
  return (chosen.length > 0 ? chosen : COMMANDS).map(([, load]) => load);
}
