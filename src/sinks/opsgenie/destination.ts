/**
 * One Opsgenie destination as the config describes it: an API integration's
 * key, and where its account lives. The paging sink's config schema is
 * written from this interface, so each field says what it means and its default.
 */
export interface OpsgenieDestination {
  /** The destination's name in the config ("oncall"); messages say "opsgenie:oncall". Required. */
  readonly name: string;
  /** The key of an Opsgenie API integration (Settings → Integrations → API), sent as `Authorization: GenieKey …`. Required; secret, never printed. */
  readonly apiKey: string;
  /** The account's region: 'us' (https://api.opsgenie.com) or 'eu' (https://api.eu.opsgenie.com); a key only works in its own region. Default 'us'. */
  readonly region?: 'us' | 'eu' | undefined;
  /** The API's base URL instead of the region's (a proxy, a test's stand-in), without /v2. Default: the region's URL. */
  readonly url?: string | undefined;
}

const REGION_URLS = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;

/** The base URL requests go to, without a trailing slash. */
export function opsgenieBaseUrl(destination: OpsgenieDestination): string {
  return (destination.url ?? REGION_URLS[destination.region ?? 'us']).replace(/\/+$/, '');
}

/** What must never be printed: the API key. */
export function opsgenieSecrets(destination: OpsgenieDestination): string[] {
  return destination.apiKey ? [destination.apiKey] : [];
}

/** "opsgenie:oncall (https://api.eu.opsgenie.com)": the base URL holds no secret (the key travels in a header). */
export function opsgenieLabel(destination: OpsgenieDestination): string {
  return `opsgenie:${destination.name} (${opsgenieBaseUrl(destination)})`;
}
