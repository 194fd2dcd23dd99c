// Reading params_schema (JSON Schema 2020-12 from schemars) into a small model the property
// form renders: what kind of field, its options, its widget hint.

import type { Json, JsonSchema, SchemaObject } from './types';

export interface EnumOption {
  value: string;
  description?: string;
}

export type FieldModel =
  | { type: 'string' }
  | { type: 'number'; integer: boolean; minimum?: number; maximum?: number }
  | { type: 'boolean' }
  | { type: 'enum'; options: EnumOption[] }
  | { type: 'array'; items: FieldInfo }
  | { type: 'object'; properties: PropInfo[] }
  | { type: 'map'; values: FieldInfo }
  | { type: 'any' };

export interface FieldInfo {
  model: FieldModel;
  /** Option<T>: may be absent or null. */
  nullable: boolean;
  description?: string;
  default?: Json;
  widget?: string;
  port?: string;
  /** A connection field: the driver its connections must have (`x-sluice-driver`). */
  driver?: string;
}

export interface PropInfo {
  name: string;
  required: boolean;
  field: FieldInfo;
}

function isObj(s: JsonSchema | undefined): s is SchemaObject {
  return !!s && typeof s === 'object';
}

/** Follow `$ref` into the root's `$defs`, merging the referring schema's own keywords on top. */
export function deref(s: JsonSchema, root: JsonSchema): JsonSchema {
  let cur = s;
  for (let i = 0; i < 20 && isObj(cur) && cur.$ref; i++) {
    const m = /^#\/\$defs\/(.+)$/.exec(cur.$ref);
    const target = m && isObj(root) ? root.$defs?.[decodeURIComponent(m[1])] : undefined;
    if (target === undefined) break;
    const { $ref: _ignored, ...rest } = cur;
    void _ignored;
    cur = isObj(target) ? { ...target, ...rest } : target;
  }
  return cur;
}

function enumOptions(s: SchemaObject, root: JsonSchema): EnumOption[] | null {
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) {
    return s.enum.map((v) => ({ value: v as string, description: undefined }));
  }
  if (typeof s.const === 'string') return [{ value: s.const, description: s.description }];
  const alts = s.oneOf ?? s.anyOf;
  if (!alts || alts.length === 0) return null;
  const out: EnumOption[] = [];
  for (const a0 of alts) {
    const a = deref(a0, root);
    if (!isObj(a)) return null;
    if (typeof a.const === 'string') out.push({ value: a.const, description: a.description });
    else if (Array.isArray(a.enum) && a.enum.every((v) => typeof v === 'string'))
      for (const v of a.enum) out.push({ value: v as string, description: a.description });
    else return null;
  }
  return out;
}

/** Build the field model for a (sub)schema. */
export function fieldInfo(s0: JsonSchema, root: JsonSchema): FieldInfo {
  const outer = isObj(s0) ? s0 : {};
  const meta = {
    description: outer.description,
    default: outer.default,
    widget: outer['x-sluice-widget'],
    port: outer['x-sluice-port'],
    driver: outer['x-sluice-driver'],
  };
  let s = deref(s0, root);
  let nullable = false;
  // Option<T> as anyOf [T, null] (or oneOf).
  if (isObj(s)) {
    const alts = s.anyOf ?? s.oneOf;
    if (alts && alts.length === 2) {
      const nonNull = alts.filter((a) => !(isObj(a) && a.type === 'null'));
      if (nonNull.length === 1) {
        nullable = true;
        const { anyOf: _a, oneOf: _o, ...rest } = s;
        void _a;
        void _o;
        const inner = deref(nonNull[0], root);
        s = isObj(inner) ? { ...inner, ...rest } : inner;
      }
    }
  }
  if (!isObj(s)) return { ...meta, nullable: true, model: { type: 'any' } };
  const widget = meta.widget ?? s['x-sluice-widget'];
  const port = meta.port ?? s['x-sluice-port'];
  const driver = meta.driver ?? s['x-sluice-driver'];
  const description = meta.description ?? s.description;
  const dflt = meta.default !== undefined ? meta.default : s.default;
  let types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.includes('null')) {
    nullable = true;
    types = types.filter((t) => t !== 'null');
  }
  const base = { nullable, description, default: dflt, widget, port, ...(driver ? { driver } : {}) };
  const opts = enumOptions(s, root);
  if (opts && opts.length > 0) return { ...base, model: { type: 'enum', options: opts } };
  const t = types[0];
  if (types.length === 1) {
    if (t === 'string') return { ...base, model: { type: 'string' } };
    if (t === 'integer' || t === 'number')
      return { ...base, model: { type: 'number', integer: t === 'integer', minimum: s.minimum, maximum: s.maximum } };
    if (t === 'boolean') return { ...base, model: { type: 'boolean' } };
    if (t === 'array') return { ...base, model: { type: 'array', items: fieldInfo(s.items ?? true, root) } };
    if (t === 'object') {
      if (s.properties) {
        const req = new Set(s.required ?? []);
        const properties = Object.entries(s.properties).map(([name, ps]) => ({
          name,
          required: req.has(name),
          field: fieldInfo(ps, root),
        }));
        return { ...base, model: { type: 'object', properties } };
      }
      return { ...base, model: { type: 'map', values: fieldInfo(s.additionalProperties ?? true, root) } };
    }
  }
  // No type at all (serde_json::Value): anything, null included.
  return { ...base, nullable: nullable || types.length === 0, model: { type: 'any' } };
}

/** The top-level properties of a params schema. */
export function paramProps(schema: JsonSchema): PropInfo[] {
  const f = fieldInfo(schema, schema);
  return f.model.type === 'object' ? f.model.properties : [];
}

/** Top-level defaults of a params schema, for a new node. */
export function defaultsOf(schema: JsonSchema): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const p of paramProps(schema)) {
    if (p.field.default !== undefined && p.field.default !== null) out[p.name] = p.field.default;
  }
  return out;
}

/** An empty value of the right shape, for a newly added row or entry. */
export function emptyValue(f: FieldInfo): Json {
  if (f.default !== undefined) return f.default;
  switch (f.model.type) {
    case 'string':
      return '';
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'enum':
      return f.model.options[0]?.value ?? '';
    case 'array':
      return [];
    case 'map':
      return {};
    case 'object': {
      const o: Record<string, Json> = {};
      for (const p of f.model.properties) if (p.required) o[p.name] = emptyValue(p.field);
      return o;
    }
    case 'any':
      return '';
  }
}

/** A quick one-line summary of a field's kind, for tests and debugging. */
export function describeField(f: FieldInfo): string {
  const m = f.model;
  const base =
    m.type === 'array'
      ? `array<${describeField(m.items)}>`
      : m.type === 'map'
        ? `map<${describeField(m.values)}>`
        : m.type === 'enum'
          ? `enum(${m.options.map((o) => o.value).join('|')})`
          : m.type === 'number'
            ? m.integer
              ? 'integer'
              : 'number'
            : m.type;
  return `${base}${f.nullable ? '?' : ''}${f.widget ? `@${f.widget}` : ''}`;
}
