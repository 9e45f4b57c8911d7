import type { PageAction } from '../core/incident';
import type { SinkFailure } from './sink';

/**
 * The one interface every pager (PagerDuty, Opsgenie, email, ntfy) implements:
 * send page actions in order and say how many were taken from the front.
 * Which actions to send (routing, which incidents are open) is decided
 * before, by the paging sink; an adapter only speaks its service's wire format.
 */
export interface PagingAdapter {
  /** "pagerduty:oncall (https://events.pagerduty.com)": how messages name the destination, no secrets. */
  readonly label: string;
  send(actions: readonly PageAction[], options: PagingSendOptions): Promise<PagingSendResult>;
  close?(): Promise<void>;
}

export interface PagingSendOptions {
  /** One request may take this long. */
  readonly timeoutMs: number;
  /** Aborted when the delivery budget runs out. */
  readonly signal?: AbortSignal | undefined;
}

export interface PagingSendResult {
  /** Actions taken, counted from the front. */
  readonly sent: number;
  /** Why the next one was not (rate limited: retryAfterMs; refused for good: permanent). */
  readonly failure?: SinkFailure | undefined;
}
