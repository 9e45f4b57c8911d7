import { postHttpRequest } from '../http-post';
import type { PagingAdapter } from '../paging-adapter';
import { withRefusalAdvice } from '../refusal-advice';
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
    async send(actions, options) {
      for (const [index, action] of actions.entries()) {
        const result = await postHttpRequest(opsgenieRequest(action, destination), { timeoutMs: options.timeoutMs, signal: options.signal, label, secrets: hidden });
        if (!result.ok) return { sent: index, failure: withRefusalAdvice(result, label, REFUSAL_ADVICE) };
      }
      return { sent: actions.length };
    },
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
