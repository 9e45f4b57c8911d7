import type { Config } from '../config/schema';
import { chatSinkDescriptor } from './chat/index';
import { ec2SinkDescriptor } from './ec2/index';
import { execSinkDescriptor } from './exec/index';
import { presenceSinkDescriptors } from './presence-git/index';
import { presenceS3SinkDescriptors } from './presence-s3/index';
import type { SinkDescriptor, SinkEnvironment } from './sink';

export type { SinkEnvironment } from './sink';

/**
 * Every sink the config asks for, as descriptors. Adding a place a change can
 * go means a folder under sinks/ (its descriptor says what it takes and how
 * to load it), its section in config/sections/, and one line here.
 */
export function buildSinkDescriptors(config: Config, environment: SinkEnvironment): SinkDescriptor[] {
  return [
    ...config.sinks.exec.map(execSinkDescriptor),
    ...presenceSinkDescriptors(config.presence, environment.homeDir),
    ...presenceS3SinkDescriptors(config.presence),
    ...config.chat.destinations.map((destination) => chatSinkDescriptor(destination, environment)),
    ...(config.ec2.enabled ? [ec2SinkDescriptor(config.ec2)] : []),
  ];
}
