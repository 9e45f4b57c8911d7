import type { PageAction } from '../core/incident';
import { postHttpRequest, type HttpRequest } from './http-post';
import type { PagingSendOptions, PagingSendResult } from './paging-adapter';
import { withRefusalAdvice } from './refusal-advice';

/**
 * How the HTTP pagers (PagerDuty, Opsgenie, ntfy) send: one request per
 * action, in order, stopping at the first that is not taken, whose failure
 * carries the service's own advice for a refusal (refusal-advice.ts).
 */
export interface PostEach {
  readonly label: string;
  /** Stripped from anything a service answers. */
  readonly secrets: readonly string[];
  /** By HTTP status: what a refusal means for this service, and the setting to fix. */
  readonly refusals: Readonly<Record<number, string>>;
  request(action: PageAction): HttpRequest;
}

export async function postEachAction(actions: readonly PageAction[], options: PagingSendOptions, how: PostEach): Promise<PagingSendResult> {
  for (const [index, action] of actions.entries()) {
    const result = await postHttpRequest(how.request(action), { timeoutMs: options.timeoutMs, signal: options.signal, label: how.label, secrets: how.secrets });
    if (!result.ok) return { sent: index, failure: withRefusalAdvice(result, how.label, how.refusals) };
  }
  return { sent: actions.length };
}
