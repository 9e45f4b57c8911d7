import { NodegridError } from './errors';

/**
 * Node ids and DNA switches become file names and git paths
 * (it/presence/all/<id>.json), so they are validated before they touch a path.
 */
const INSTANCE_ID = /^[A-Za-z0-9._-]{1,128}$/;
const DNA_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function isValidInstanceId(value: string): boolean {
  return INSTANCE_ID.test(value) && value !== '.' && value !== '..';
}

export function isValidDnaName(value: string): boolean {
  return DNA_NAME.test(value) && value !== '.' && value !== '..';
}

/** Shows a bad value safely in a message: short, control characters escaped. */
export function describeValue(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}… (${value.length} characters)` : value;
  return JSON.stringify(shown).replace(/\\u0000/g, '\\0');
}

export function assertInstanceId(value: string, source = 'instance id'): string {
  if (!isValidInstanceId(value)) {
    // Only this node's own id is set with init; an id given to name another node is looked up.
    throw new NodegridError('E_BAD_ID', `${source} ${describeValue(value)} is not valid: use 1-128 characters from A-Z a-z 0-9 . _ - (not "." or "..")`, {
      hint: source === 'instance id' ? 'set it with: nodegrid init --id <id>' : "give a node's instance id, as `nodegrid nodes` lists them",
    });
  }
  return value;
}

export type DnaField = 'deployment' | 'nodepart' | 'stacktype' | 'initgitrepo';

export function assertDnaName(field: DnaField, value: string): string {
  if (!isValidDnaName(value)) {
    throw new NodegridError('E_BAD_INPUT', `${field} ${describeValue(value)} is not valid: use 1-64 characters from A-Z a-z 0-9 . _ -`);
  }
  return value;
}
