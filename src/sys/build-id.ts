/**
 * Which build of nodegrid is running: the launcher (src/launcher.ts) names it
 * from the program file it loads (Node version, arch, size, mtime), and caches
 * kept across starts (compiled code, the validated config) are only trusted by
 * the same build. The launcher and the program are separate bundles, each with
 * its own copy of this file, so the name travels in a global under a
 * registered symbol. Run from source (the tests), there is no build and
 * nothing is cached.
 */
const BUILD = Symbol.for('nodegrid.build');
type WithBuild = typeof globalThis & { [BUILD]?: string };

export function announceBuild(name: string): void {
  (globalThis as WithBuild)[BUILD] = name;
}

export function currentBuild(): string | undefined {
  return (globalThis as WithBuild)[BUILD];
}
