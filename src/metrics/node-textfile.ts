import { formatExposition } from './exposition';
import { writeLastTick, type LastTick } from './last-tick';
import { readNodeFacts, type NodeFactsSources } from './node-facts';
import { nodeMetricFamilies } from './node-metrics';
import { writeTextfile } from './textfile';

/** Gathers the node's facts and replaces the textfile; a tick first leaves its time and duration for later writers. */
export function refreshNodeTextfile(file: string, sources: NodeFactsSources, tick?: LastTick): void {
  if (tick) writeLastTick(sources.homeDir, tick);
  const now = new Date();
  writeTextfile(file, formatExposition(nodeMetricFamilies(readNodeFacts(sources), now)));
}
