import type { Config } from '../config/schema';
import { chatSinkDescriptor } from './chat/index';
import { ec2SinkDescriptor } from './ec2/index';
import { execSinkDescriptor } from './exec/index';
import { emailPaging } from './email/index';
import { ntfyPaging } from './ntfy/index';
import { opsgeniePaging } from './opsgenie/index';
import { pagerDutyPaging } from './pagerduty/index';
import { pagingSinkDescriptor, type PagingAdapterSource } from './paging-descriptor';
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
    ...config.paging.destinations.map((destination) => pagingSinkDescriptor(destination, { ...environment, dashboardUrl: config.grid.dashboardUrl }, pagingAdapterFor(destination))),
    ...(config.ec2.enabled ? [ec2SinkDescriptor(config.ec2)] : []),
  ];
}

/** Each pager type's folder: its secrets and its adapter, loaded on first use. */
export function pagingAdapterFor(destination: Config['paging']['destinations'][number]): PagingAdapterSource {
  switch (destination.type) {
    case 'pagerduty':
      return pagerDutyPaging(destination);
    case 'opsgenie':
      return opsgeniePaging(destination);
    case 'email':
      return emailPaging(destination);
    case 'ntfy':
      return ntfyPaging(destination);
  }
}
