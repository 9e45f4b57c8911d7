import { CONFIG_DESCRIPTIONS } from './descriptions';
import { DURATION_UNITS } from './duration';
import { configSchema } from './schema';

/**
 * The README's configuration reference, generated from the zod schema itself so
 * docs, types and validation never disagree (`npm run docs` writes it,
 * test/config/reference.test.ts fails when it is out of date). Not part of the
 * runtime bundle: only scripts/config-reference.mjs and the tests import it.
 *
 * It reads zod's definitions (`schema._zod.def`), which zod/mini exposes for
 * exactly this kind of walk.
 */

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

interface ZodDef {
  readonly type: string;
  readonly [key: string]: unknown;
}
interface AnySchema {
  readonly _zod: { readonly def: ZodDef };
}

export interface ReferenceRow {
  /** `chat.destinations[].url`, `lifecycle.states.<name>.color`. */
  readonly path: string;
  readonly type: string;
  /** The default as written in a config file, "required", or "" for none. */
  readonly default: string;
  readonly isObject: boolean;
}

const def = (schema: AnySchema): ZodDef => schema._zod.def;
const child = (schema: AnySchema, key: string): AnySchema => def(schema)[key] as AnySchema;

interface Unwrapped {
  readonly core: AnySchema;
  readonly optional: boolean;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
}

/** Peels default/optional wrappers; a pipe that is not a duration is described by its input. */
function unwrap(schema: AnySchema): Unwrapped {
  let core = schema;
  let optional = false;
  let hasDefault = false;
  let defaultValue: unknown;
  for (;;) {
    const type = def(core).type;
    if (type === 'default' || type === 'prefault') {
      if (!hasDefault) defaultValue = def(core).defaultValue;
      hasDefault = true;
      core = child(core, 'innerType');
    } else if (type === 'optional' || type === 'nullable') {
      optional = true;
      core = child(core, 'innerType');
    } else if (type === 'pipe' && !DURATION_UNITS.has(core)) {
      core = child(core, 'in');
    } else {
      return { core, optional, hasDefault, defaultValue };
    }
  }
}

interface Check {
  readonly check: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly error?: (issue?: unknown) => unknown;
}

function checksOf(schema: AnySchema): Check[] {
  const checks = (def(schema).checks ?? []) as Array<{ _zod: { def: Check } }>;
  return checks.map((check) => check._zod.def);
}

/** The message a check was given (regex and refine checks explain themselves). */
function checkMessage(check: Check): string | undefined {
  try {
    const message = check.error?.();
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

const code = (value: string): string => `\`${value}\``;

function describeString(schema: AnySchema): string {
  const d = def(schema);
  if (d.format === 'url') return `http(s) URL`;
  const notes: string[] = [];
  let min: number | undefined;
  let max: number | undefined;
  let pattern = false;
  for (const check of checksOf(schema)) {
    if (check.check === 'min_length') min = check.minimum;
    else if (check.check === 'max_length') max = check.maximum;
    else {
      // A pattern's message says what it accepts, lengths included.
      if (check.check === 'string_format') pattern = true;
      const message = checkMessage(check);
      if (message) notes.push(message);
    }
  }
  if (!pattern) {
    if (min !== undefined && max !== undefined) notes.unshift(`${min}–${max} characters`);
    else if (max !== undefined) notes.unshift(`at most ${max} characters`);
    else if (min !== undefined && min > 1) notes.unshift(`at least ${min} characters`);
    else if (min === 1 && notes.length === 0) return 'non-empty string';
  }
  return notes.length > 0 ? `string: ${notes.join('; ')}` : 'string';
}

function describeNumber(schema: AnySchema): string {
  let integer = false;
  let min: number | undefined;
  let max: number | undefined;
  for (const check of checksOf(schema)) {
    if (check.check === 'number_format' && (check.format === 'safeint' || check.format === 'int32')) integer = true;
    else if (check.check === 'greater_than') min = check.value;
    else if (check.check === 'less_than') max = check.value;
  }
  const base = integer ? 'integer' : 'number';
  if (min !== undefined && max !== undefined) return `${base} ${min}–${max}`;
  if (min !== undefined) return `${base} ≥ ${min}`;
  if (max !== undefined) return `${base} ≤ ${max}`;
  return base;
}

/** A type as a reader of the README needs it: allowed values spelled out. */
export function describeType(schema: AnySchema): string {
  const unit = DURATION_UNITS.get(schema);
  if (unit) return `duration (${unit})`;
  const { core } = unwrap(schema);
  if (core !== schema) return describeType(core);
  const d = def(core);
  switch (d.type) {
    case 'string':
      return describeString(core);
    case 'number':
      return describeNumber(core);
    case 'boolean':
      return 'boolean';
    case 'enum':
      return `one of ${Object.values(d.entries as Record<string, string>).map(code).join(', ')}`;
    case 'array': {
      const element = describeType(child(core, 'element'));
      if (element.startsWith('one of ')) return `list of ${element.slice('one of '.length)}`;
      if (element === 'object') return 'list of objects';
      return /^[\w-]+( string)?$/.test(element) ? `list of ${element}s` : `list of (${element})`;
    }
    case 'tuple':
      return `[${(d.items as AnySchema[]).map(describeType).join(', ')}]`;
    case 'object':
      return 'object';
    case 'record':
      return `map of name → ${describeType(child(core, 'valueType'))}`;
    case 'union':
      return (d.options as AnySchema[])
        .map((option) => {
          const inner = unwrap(option).core;
          return def(inner).type === 'object' ? `{${Object.keys(def(inner).shape as object).join(', ')}}` : describeType(option);
        })
        .join(' or ');
    default:
      return d.type;
  }
}

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return code(value.length === 0 ? '[]' : `[${value.map(String).join(', ')}]`);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return code(String(value));
  return '';
}

/** The objects under a schema that hold keys of their own, with the path suffix that reaches them. */
function nestedObjects(schema: AnySchema): Array<{ suffix: string; object: AnySchema }> {
  const { core } = unwrap(schema);
  const d = def(core);
  switch (d.type) {
    case 'object':
      return [{ suffix: '', object: core }];
    case 'array':
      return nestedObjects(child(core, 'element')).map((found) => ({ ...found, suffix: `[]${found.suffix}` }));
    case 'record':
      return nestedObjects(child(core, 'valueType')).map((found) => ({ ...found, suffix: `.<name>${found.suffix}` }));
    case 'union':
      return (d.options as AnySchema[]).flatMap(nestedObjects);
    default:
      return [];
  }
}

/** Every key of the config, depth first in schema order, with its type and default. */
export function configRows(schema: AnySchema = configSchema as unknown as AnySchema): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  const walk = (object: AnySchema, prefix: string): void => {
    for (const [key, field] of Object.entries(def(object).shape as Record<string, AnySchema>)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const info = unwrap(field);
      const required = !info.optional && !info.hasDefault;
      rows.push({
        path,
        type: describeType(field),
        default: required ? 'required' : formatDefault(info.defaultValue),
        isObject: def(info.core).type === 'object',
      });
      for (const nested of nestedObjects(field)) walk(nested.object, `${path}${nested.suffix}`);
    }
  };
  walk(schema, '');
  return rows;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown between the README's markers: one table per section. */
export function renderConfigReference(descriptions: Readonly<Record<string, string>> = CONFIG_DESCRIPTIONS): string {
  const rows = configRows();
  const describe = (path: string): string => {
    const text = descriptions[path];
    if (text === undefined) throw new Error(`no description for config key ${path}: add one to src/config/descriptions.ts`);
    return text;
  };
  const table = (list: ReferenceRow[]): string[] => [
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...list.map((row) => `| ${code(row.path)} | ${cell(row.type)} | ${cell(row.default === 'required' ? '**required**' : row.default)} | ${cell(describe(row.path))} |`),
  ];
  const out = [
    REFERENCE_START,
    '<!-- Generated from src/config/schema.ts and src/config/descriptions.ts by `npm run docs`; edit those, not this block. -->',
    '',
    '*duration (s)* and *duration (m)* take a number in seconds or minutes, or a string with a unit: `90s`, `3m`, `1h`.',
    '`[]` in a key means each entry of a list; `<name>` any name you choose.',
  ];
  const topLevel = rows.filter((row) => !row.path.includes('.') && !row.isObject);
  out.push('', '### Top level', '', ...table(topLevel));
  for (const section of rows.filter((row) => !row.path.includes('.') && row.isObject)) {
    const inSection = rows.filter((row) => row.path.startsWith(`${section.path}.`));
    out.push('', `### \`${section.path}\``, '', describe(section.path), '', ...table(inSection));
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
