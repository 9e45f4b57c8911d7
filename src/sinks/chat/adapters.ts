import type { ChatType } from '../../config/sections/chat';
import type { ChatAdapter } from './adapter';
import { discordAdapter } from './discord';
import { hipchatAdapter } from './hipchat';
import { slackAdapter, slackCompatibleAdapter } from './slack';
import { teamsAdapter } from './teams';
import { webhookAdapter } from './webhook';

/** Which adapter speaks for each configured type. */
const ADAPTERS: Record<ChatType, ChatAdapter> = {
  slack: slackAdapter,
  mattermost: slackCompatibleAdapter,
  rocketchat: slackCompatibleAdapter,
  discord: discordAdapter,
  teams: teamsAdapter,
  hipchat: hipchatAdapter,
  webhook: webhookAdapter,
};

export function adapterFor(type: ChatType): ChatAdapter {
  return ADAPTERS[type];
}
