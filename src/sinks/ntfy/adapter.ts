import type { PagingAdapter } from '../paging-adapter';
import { postEachAction } from '../post-each';
import { NTFY_TOPIC, ntfyLabel, ntfySecrets, type NtfyDestination } from './destination';
import { ntfyRequest } from './message';

/** Pages through ntfy, one published message per action, in order. */
export function createNtfyAdapter(destination: NtfyDestination, secrets: readonly string[] = []): PagingAdapter {
  const label = ntfyLabel(destination);
  const hidden = [...ntfySecrets(destination), ...secrets];
  return {
    label,
    async send(actions, options) {
      // ntfy would refuse it (400) on every try; saying so before sending names the setting.
      if (actions.length > 0 && !NTFY_TOPIC.test(destination.topic)) {
        return { sent: 0, failure: { message: `${label}: the topic may hold only letters, digits, "_" and "-", at most 64; fix topic in the config`, permanent: true } };
      }
      return postEachAction(actions, options, { label, secrets: hidden, refusals: REFUSAL_ADVICE, request: (action) => ntfyRequest(action, destination) });
    },
  };
}

/** What each refusal means for this service, and the setting to fix. */
const REFUSAL_ADVICE: Record<number, string> = {
  400: 'ntfy refused the message; check topic and server in the config',
  401: 'ntfy does not accept the credentials; check token, or user and password',
  403: 'these credentials (or anonymous access) may not publish to the topic; set token, or user and password, of a user with write access',
  404: 'nothing answers ntfy\'s publish API at this server; check server in the config',
  413: 'the server refused the message as too large; this is a nodegrid bug worth reporting',
};
