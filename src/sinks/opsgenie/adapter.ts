import type { PagingAdapter } from '../paging-adapter';
import { postEachAction } from '../post-each';
import { opsgenieRequest } from './alert';
import { opsgenieLabel, opsgenieSecrets, type OpsgenieDestination } from './destination';

/**
 * Pages through Opsgenie's Alert API, one request per action, in order.
 * Opsgenie answers 202 and processes the request later, so "sent" means
 * accepted: a close whose alert is already closed is accepted as well, which
 * is what a resolve wants.
 */
export function createOpsgenieAdapter(destination: OpsgenieDestination, secrets: readonly string[] = []): PagingAdapter {
  const label = opsgenieLabel(destination);
  const hidden = [...opsgenieSecrets(destination), ...secrets];
  return {
    label,
    send: (actions, options) => postEachAction(actions, options, { label, secrets: hidden, refusals: REFUSAL_ADVICE, request: (action) => opsgenieRequest(action, destination) }),
  };
}

/** What each refusal means for this service, and the setting to fix. */
const REFUSAL_ADVICE: Record<number, string> = {
  401: 'Opsgenie does not know the API key; set apiKey to an API integration\'s key, and region to "eu" for an EU account',
  402: 'the Opsgenie account\'s plan does not allow this; check the account',
  403: 'the API key may not create or close alerts; give its integration read and create-and-update access, or use another key',
  404: 'nothing answers Opsgenie\'s Alert API at this URL; check url and region',
  422: 'Opsgenie could not process the alert (its answer says which field); this is a nodegrid bug worth reporting',
};
