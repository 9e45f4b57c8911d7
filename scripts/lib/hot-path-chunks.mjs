// rollup's manualChunks for the paths a node runs unattended (`state set` on
// every boot, `tick` every minute). esbuild splits at every import() and by
// every set of importers, so `state set` read sixteen chunk files and an idle
// tick twenty-five: each a read, a code-cache read, a resolve and a compile.
//
// Here, beyond what the program holds already, each hot path's modules go
// into a chunk named after it ("state", "tick"), what both use into one named
// after both ("state-tick"), and what only one uses but other commands import
// too into "<path>-shared", so `nodes` does not load the beat's code to get at
// one helper: two or three files a run.
import path from 'node:path';

/**
 * esbuild's output file of each hot path's source files, from its metafile.
 * @param {Record<string, string[]>} hotPaths a name and the source files (relative to root) its run loads
 */
export function hotPathStarts(metafile, root, hotPaths) {
  const outputOf = new Map();
  for (const [output, { entryPoint }] of Object.entries(metafile.outputs)) if (entryPoint) outputOf.set(path.resolve(entryPoint), path.resolve(output));
  return Object.fromEntries(
    Object.entries(hotPaths).map(([name, sources]) => [
      name,
      sources.map((source) => {
        const output = outputOf.get(path.resolve(root, source));
        if (output === undefined) throw new Error(`build: ${source} (hot path ${name}) is not a chunk of its own: is it still loaded by import()?`);
        return output;
      }),
    ]),
  );
}

/** The manualChunks function: the groups are worked out once, on the first call, when rollup knows the whole graph. */
export function hotPathChunks(entryId, startsByPath) {
  let groups;
  return (id, { getModuleInfo }) => {
    groups ??= hotModuleGroups(entryId, startsByPath, getModuleInfo);
    return groups.get(id);
  };
}

/**
 * Module id → chunk name. The program's own modules are named too ("program",
 * which rollup merges into the entry): a manual chunk otherwise takes in every
 * dependency no other manual chunk holds, esbuild's runtime helpers with them,
 * and the program would then load it at every start.
 */
export function hotModuleGroups(entryId, startsByPath, getModuleInfo) {
  const inProgram = staticClosure([entryId], new Set(), getModuleInfo);
  const closures = Object.entries(startsByPath).map(([name, starts]) => [name, staticClosure(starts, inProgram, getModuleInfo)]);
  const everyPath = closures.map(([name]) => name).join('-');
  const groups = new Map([...inProgram].map((id) => [id, 'program']));
  for (const [name, closure] of closures) for (const id of closure) groups.set(id, groups.has(id) ? everyPath : name);
  const inHotPaths = new Set(groups.keys());
  for (const [id, group] of groups) {
    if (group === 'program' || group === everyPath) continue;
    const { importers, dynamicImporters } = getModuleInfo(id);
    if ([...importers, ...dynamicImporters].some((importer) => !inHotPaths.has(importer))) groups.set(id, `${group}-shared`);
  }
  return groups;
}

/** Every module the given ones import statically, themselves included, not looking past `skip`. */
function staticClosure(from, skip, getModuleInfo) {
  const seen = new Set();
  const todo = [...from];
  while (todo.length > 0) {
    const id = todo.pop();
    if (seen.has(id) || skip.has(id)) continue;
    seen.add(id);
    todo.push(...(getModuleInfo(id)?.importedIds ?? []));
  }
  return seen;
}
