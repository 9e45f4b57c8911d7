import path from 'node:path';
import { NodegridError } from '../core/errors';
import { MAX_LABELS, parseLabelLines, sortedLabels, type Labels } from '../core/labels';
import { looksLikeSecret } from '../core/secrets';
import { readTextIfExists } from '../sys/files';
import { NODEINFO_FILES } from './nodeinfo';

/**
 * The labels this node publishes: presence.labels from the config (what a
 * fleet shares), then labels.txt in the nodeinfo folder (what the launch
 * template wrote for this one node), which wins key by key. A bad line is
 * refused naming the file, the line and what was wrong: a typo must not
 * publish a different label than the one meant. The heartbeat asks for
 * `badLines: 'skip'` instead: a typo in labels.txt must not silence a node
 * (a node whose beat stops looks dead to the grid), so it warns with the
 * same words and publishes the good lines. A value that looks like a key or
 * token is left out with a warning, as an extra field is.
 */
export interface LabelSources {
  readonly nodeinfoDir: string;
  /** presence.labels, already checked by the config schema. */
  readonly configured: Labels;
  /** Known secret values (config tokens, nodeinfo secrets): a label holding one is not published. */
  readonly secrets: readonly string[];
  readonly warn: (message: string) => void;
  /** 'refuse' (commands an operator runs) throws on a bad line; 'skip' (the heartbeat) warns and leaves it out. */
  readonly badLines?: 'refuse' | 'skip';
}

/** A labels file is a few lines; anything larger is a mistake and is refused rather than read. */
const MAX_FILE_BYTES = 16 * 1024;

export function collectLabels(sources: LabelSources): Labels {
  const file = path.join(sources.nodeinfoDir, NODEINFO_FILES.labels);
  const fromFile = readLabelsFile(file, sources.badLines === 'skip' ? sources.warn : undefined);
  let merged: Labels = { ...sources.configured, ...fromFile };
  const count = Object.keys(merged).length;
  if (count > MAX_LABELS) {
    const problem = `this node has ${count} labels (presence.labels and ${file} together); at most ${MAX_LABELS} are published`;
    if (sources.badLines !== 'skip') throw new NodegridError('E_CONFIG', problem);
    sources.warn(`${problem}; publishing presence.labels only`);
    merged = sources.configured;
  }
  const known = new Set(sources.secrets);
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged)) {
    if (looksLikeSecret(value) || looksLikeSecret(key) || known.has(value)) {
      sources.warn(`not publishing label ${key}: its value looks like a secret`);
      continue;
    }
    labels[key] = value;
  }
  return sortedLabels(labels);
}

/** Without `warn`, a bad file throws; with it, the problem is warned and the good lines kept. */
function readLabelsFile(file: string, warn?: (message: string) => void): Labels {
  const text = readTextIfExists(file);
  if (text === undefined) return {};
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    const problem = `${file} is larger than ${MAX_FILE_BYTES / 1024} KB; a labels file holds a few key=value lines`;
    if (!warn) throw new NodegridError('E_CONFIG', problem);
    warn(`${problem}; publishing no labels from it`);
    return {};
  }
  const { labels, problems } = parseLabelLines(text);
  if (problems.length === 0) return labels;
  const lines = problems.slice(0, 5).map((p) => `${file}:${p.line}: ${p.problem}`);
  const more = problems.length > 5 ? `\n(${problems.length - 5} more)` : '';
  if (warn) {
    warn(`bad labels, left out of what this node publishes:\n${lines.join('\n')}${more}`);
    return labels;
  }
  throw new NodegridError('E_CONFIG', `bad labels:\n${lines.join('\n')}${more}`, {
    hint: 'each line is key=value (the value may be empty); blank lines and lines starting with # are skipped',
  });
}
