import * as z from 'zod/mini';
import { DURATION_UNITS } from './duration';
import { configSchema } from './schema';

/**
 * The README's configuration reference, generated from the zod schema itself so
 * docs, types and validation never disagree (`npm run docs` writes it,
 * test/config/reference.test.ts fails when it is out of date). Not part of the
 * runtime bundle: only scripts/config-reference.mjs and the tests import it.
 *
 * It reads the schema as JSON Schema (z.toJSONSchema), never zod's internals:
 * a key's meaning is the `description` registered beside it in
 * z.globalRegistry, what a pattern or a refine accepts is the `rules` list
 * registered beside that check, and durations are the schemas
 * config/duration.ts lists in DURATION_UNITS.
 */

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

type JSONSchema = z.core.JSONSchema.JSONSchema;

/** Set on a duration's JSON Schema while converting: its unit. */
const DURATION = 'x-nodegrid-duration';

export interface ReferenceRow {
  /** `chat.destinations[].url`, `lifecycle.states.<name>.color`. */
  readonly path: string;
  readonly type: string;
  /** The default as written in a config file, "required", or "" for none. */
  readonly default: string;
  readonly isObject: boolean;
  /** What the key means, from its schema's description; "" when it has none. */
  readonly description: string;
}

/** A schema as JSON Schema, the way a config file is written (the input side of its transforms). */
export function configJSONSchema(schema: z.core.$ZodType = configSchema): JSONSchema {
  return z.toJSONSchema(schema, {
    // A duration is written as 90 or "90s", an edge as [from, to]: what they turn into is not what a reader writes.
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const unit = DURATION_UNITS.get(zodSchema);
      if (unit) jsonSchema[DURATION] = unit;
      // io "input" leaves out the default of a key whose schema transforms (every
      // duration); the value the schema gives a missing key is that default.
      if (!('default' in jsonSchema)) {
        const missing = z.safeParse(zodSchema, undefined);
        if (missing.success && missing.data !== undefined) jsonSchema.default = missing.data;
      }
    },
  });
}

const asSchema = (value: z.core.JSONSchema._JSONSchema | undefined): JSONSchema => (typeof value === 'object' ? value : {});
const isObjectSchema = (json: JSONSchema): json is JSONSchema & { properties: Record<string, z.core.JSONSchema._JSONSchema> } =>
  json.type === 'object' && json.properties !== undefined;
/** The value schema of a record (an object of any keys), or undefined for anything else. */
const recordValues = (json: JSONSchema): JSONSchema | undefined =>
  json.type === 'object' && json.properties === undefined && typeof json.additionalProperties === 'object' ? json.additionalProperties : undefined;
const rulesOf = (json: JSONSchema): string[] => (Array.isArray(json.rules) ? json.rules.filter((rule): rule is string => typeof rule === 'string') : []);

const code = (value: string): string => `\`${value}\``;

function describeString(json: JSONSchema): string {
  if (json.format === 'uri') return `http(s) URL`;
  const notes = rulesOf(json);
  const min = json.minLength;
  const max = json.maxLength;
  // A pattern's rule says what it accepts, lengths included.
  const pattern = json.pattern !== undefined || (json.allOf ?? []).some((part) => part.pattern !== undefined);
  if (!pattern) {
    if (min !== undefined && max !== undefined) notes.unshift(`${min}–${max} characters`);
    else if (max !== undefined) notes.unshift(`at most ${max} characters`);
    else if (min !== undefined && min > 1) notes.unshift(`at least ${min} characters`);
    else if (min === 1 && notes.length === 0) return 'non-empty string';
  }
  return notes.length > 0 ? `string: ${notes.join('; ')}` : 'string';
}

/** A bound worth printing: z.int() keeps an integer in the safe range on its own. */
const bound = (value: number | boolean | undefined): number | undefined =>
  typeof value === 'number' && Math.abs(value) !== Number.MAX_SAFE_INTEGER ? value : undefined;

function describeNumber(json: JSONSchema): string {
  const base = json.type === 'integer' ? 'integer' : 'number';
  const min = bound(json.minimum);
  const max = bound(json.maximum);
  if (min !== undefined && max !== undefined) return `${base} ${min}–${max}`;
  const above = bound(json.exclusiveMinimum);
  const below = bound(json.exclusiveMaximum);
  const limits = [min !== undefined ? `≥ ${min}` : above !== undefined ? `> ${above}` : '', max !== undefined ? `≤ ${max}` : below !== undefined ? `< ${below}` : ''];
  const limit = limits.filter((text) => text !== '').join(', ');
  return limit === '' ? base : `${base} ${limit}`;
}

/** A type as a reader of the README needs it: allowed values spelled out. */
function describeType(json: JSONSchema): string {
  const unit = json[DURATION];
  if (unit === 's' || unit === 'm') return `duration (${unit})`;
  if (json.enum) return `one of ${json.enum.map((value) => code(String(value))).join(', ')}`;
  if (json.anyOf) return json.anyOf.map((option) => (isObjectSchema(option) ? `{${Object.keys(option.properties).join(', ')}}` : describeType(option))).join(' or ');
  switch (json.type) {
    case 'string':
      return describeString(json);
    case 'number':
    case 'integer':
      return describeNumber(json);
    case 'boolean':
      return 'boolean';
    case 'array': {
      if (json.prefixItems) return `[${json.prefixItems.map((item) => describeType(asSchema(item))).join(', ')}]`;
      const element = describeType(asSchema(Array.isArray(json.items) ? undefined : json.items));
      if (element.startsWith('one of ')) return `list of ${element.slice('one of '.length)}`;
      if (element === 'object') return 'list of objects';
      return /^[\w-]+( string)?$/.test(element) ? `list of ${element}s` : `list of (${element})`;
    }
    case 'object': {
      const values = recordValues(json);
      return values ? `map of name → ${describeType(values)}` : 'object';
    }
    case undefined:
      return 'any';
    default:
      return Array.isArray(json.type) ? json.type.join(' or ') : json.type;
  }
}

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return code(value.length === 0 ? '[]' : `[${value.map(String).join(', ')}]`);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return code(String(value));
  return '';
}

/** The objects under a schema that hold keys of their own, with the path suffix that reaches them. */
function nestedObjects(json: JSONSchema): Array<{ suffix: string; object: JSONSchema }> {
  if (isObjectSchema(json)) return [{ suffix: '', object: json }];
  if (json.anyOf) return json.anyOf.flatMap(nestedObjects);
  if (json.type === 'array' && !json.prefixItems && !Array.isArray(json.items)) {
    return nestedObjects(asSchema(json.items)).map((found) => ({ ...found, suffix: `[]${found.suffix}` }));
  }
  const values = recordValues(json);
  return values ? nestedObjects(values).map((found) => ({ ...found, suffix: `.<name>${found.suffix}` })) : [];
}

/** Every key of the config, depth first in schema order, with its type, default and meaning. */
export function configRows(schema: z.core.$ZodType = configSchema): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  const walk = (object: JSONSchema, prefix: string): void => {
    const required = new Set(object.required ?? []);
    for (const [key, value] of Object.entries(object.properties ?? {})) {
      const field = asSchema(value);
      const path = prefix === '' ? key : `${prefix}.${key}`;
      rows.push({
        path,
        type: describeType(field),
        default: required.has(key) ? 'required' : formatDefault(field.default),
        isObject: isObjectSchema(field),
        description: field.description ?? '',
      });
      for (const nested of nestedObjects(field)) walk(nested.object, `${path}${nested.suffix}`);
    }
  };
  walk(configJSONSchema(schema), '');
  return rows;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown between the README's markers: one table per section. */
export function renderConfigReference(rows: readonly ReferenceRow[] = configRows()): string {
  const describe = (row: ReferenceRow): string => {
    if (row.description.trim() === '') {
      throw new Error(`no description for config key ${row.path}: add .register(z.globalRegistry, { description: '…' }) beside it in src/config/schema.ts or src/config/sections/`);
    }
    return row.description;
  };
  const table = (list: readonly ReferenceRow[]): string[] => [
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...list.map((row) => `| ${code(row.path)} | ${cell(row.type)} | ${cell(row.default === 'required' ? '**required**' : row.default)} | ${cell(describe(row))} |`),
  ];
  const out = [
    REFERENCE_START,
    '<!-- Generated from src/config/schema.ts and src/config/sections/ by `npm run docs`; edit those, not this block. -->',
    '',
    '*duration (s)* and *duration (m)* take a number in seconds or minutes, or a string with a unit: `90s`, `3m`, `1h`.',
    '`[]` in a key means each entry of a list; `<name>` any name you choose.',
  ];
  const topLevel = rows.filter((row) => !row.path.includes('.') && !row.isObject);
  out.push('', '### Top level', '', ...table(topLevel));
  for (const section of rows.filter((row) => !row.path.includes('.') && row.isObject)) {
    const inSection = rows.filter((row) => row.path.startsWith(`${section.path}.`));
    out.push('', `### \`${section.path}\``, '', describe(section), '', ...table(inSection));
  }
  out.push(REFERENCE_END);
  return out.join('\n');
}

/** The README with its generated block replaced; throws when the markers are missing. */
export function replaceReferenceBlock(readme: string, block: string): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start === -1 || end === -1 || end < start) throw new Error(`README.md needs the markers ${REFERENCE_START} and ${REFERENCE_END}`);
  return readme.slice(0, start) + block + readme.slice(end + REFERENCE_END.length);
}
