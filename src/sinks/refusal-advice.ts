import type { PostResult } from './http-post';
import type { SinkFailure } from './sink';

/**
 * postHttpRequest already tells a 429 (wait), a 5xx (retry) and another 4xx
 * (refused) apart, with advice any webhook fits. A service's adapter knows
 * better what a refusal means ("Opsgenie does not know the API key; set
 * apiKey"): this keeps the poster's facts (label, status, the answer's start,
 * already redacted) and puts the service's advice for that status in place of
 * the general one. The poster's message reads "<label>: <facts>: <advice>",
 * and its advice holds no colon.
 */
export function withRefusalAdvice(result: PostResult, label: string, adviceByStatus: Readonly<Record<number, string>>): SinkFailure {
  const failure = result.failure ?? { message: `${label}: HTTP ${result.status ?? '?'}` };
  const advice = result.status === undefined ? undefined : adviceByStatus[result.status];
  if (!failure.permanent || advice === undefined || !failure.message.startsWith(`${label}: `)) return failure;
  const facts = failure.message.slice(label.length + 2).replace(/: [^:]*$/, '');
  return { ...failure, message: `${label}: ${facts}: ${advice}` };
}
