import type { Browser } from 'playwright-core';
import { launchChromium } from './dashboard.mjs';

/**
 * Debian's Chromium driven by playwright-core (no browser download); the
 * flags that keep it offline and sandbox-free as root are in dashboard.mjs,
 * shared with the screenshot script and the bench.
 */
export { CHROMIUM, CHROMIUM_ARGS } from './dashboard.mjs';

export function launchBrowser(): Promise<Browser> {
  return launchChromium();
}
