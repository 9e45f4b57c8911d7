/** Set by the build (scripts/build.mjs); "dev" when running from source in tests. */
declare const __NODEGRID_VERSION__: string | undefined;
declare const __NODEGRID_COMMIT__: string | undefined;

export const VERSION: string = typeof __NODEGRID_VERSION__ === 'string' ? __NODEGRID_VERSION__ : '0.0.0-dev';
export const COMMIT: string = typeof __NODEGRID_COMMIT__ === 'string' ? __NODEGRID_COMMIT__ : 'unknown';
