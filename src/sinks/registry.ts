import type { Config } from '../config/schema';
import { execSinkDescriptor } from './exec/index';
import type { SinkDescriptor } from './sink';

/**
 * Every sink the config asks for, as descriptors. Adding a place a change can
 * go means a folder under sinks/ and one line here.
 */
export interface SinkEnvironment {
  /** $NODEGRID_HOME, for sinks that keep state of their own (the presence clone). */
  readonly homeDir: string;
}

export function buildSinkDescriptors(config: Config, _environment: SinkEnvironment): SinkDescriptor[] {
  return [...config.sinks.exec.map(execSinkDescriptor)];
}
