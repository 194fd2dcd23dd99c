// The property form, generated from a kind's params_schema. Widget hints (`x-sluice-widget`)
// pick column pickers, SQL editors and path inputs; everything else follows the schema's types.

import { createContext, useContext, useMemo, useState } from 'react';
import { emptyValue, paramProps, type FieldInfo, type PropInfo } from '../../model/schema';
import { fieldDiagnostics, isUnder, paramPath } from '../../model/diagnostics';
import { uniqueName } from '../../model/spec';
import type { Column, Diagnostic, Json, JsonObject, JsonSchema } from '../../model/types';
import { SqlEditor } from '../SqlEditor';
import { ColumnChips, ColumnInput } from './ColumnInput';
import { IconFolder, IconPlus, IconTrash } from '../icons';
import { isUnknownWidget, widgetRole } from './widgets';
import { ConnectionField, TableField, type RemoteFormContext } from './RemoteFields';

export interface FormContext {
  /** Columns of the input on `port` (or the default input), null when unknown. */
  columnsFor(port?: string): Column[] | null;
  /** Input port name -> columns, for full SQL queries. */
  tables(): Record<string, Column[]>;
  diagnostics: Diagnostic[];
  /** Browse for a path (desktop only). */
  browse?: () => Promise<string | null>;
  /** Why a path field holds an absolute path (outside the spec's folder, unsaved document). */
  pathNote?: (value: string) => string | null;
  /** Database sources: the user's connections and the tables of the node's connection. */
  remote?: RemoteFormContext;
  /** The node is a source (it reads no input: a query field queries its database). */
  source?: boolean;
}

const Ctx = createContext<FormContext>({ columnsFor: () => null, tables: () => ({}), diagnostics: [] });

export function humanize(name: string): string {
  const s = name.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function setKey(obj: JsonObject, key: string, v: Json | undefined): JsonObject {
  if (v === undefined) {
    if (!(key in obj)) return obj;
    const out = { ...obj };
    delete out[key];
    return out;
  }
  return { ...obj, [key]: v };
}

function renameKeyOrdered(obj: JsonObject, from: string, to: string): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) out[k === from ? to : k] = v;
  return out;
}

function markdownish(text: string): React.ReactNode[] {
  // `code` spans only; the docs are short prose.
  return text.split(/(`[^`]+`)/g).map((part, i) =>
    part.startsWith('`') && part.endsWith('`') ? <code key={i}>{part.slice(1, -1)}</code> : <span key={i}>{part}</span>,
  );
}

export function Doc({ text }: { text?: string }) {
  if (!text) return null;
  return <div className="field-help">{markdownish(text)}</div>;
}

function useInvalid(path: string): boolean {
  const { diagnostics } = useContext(Ctx);
  return diagnostics.some((d) => paramPath(d) === path && d.severity === 'error');
}

const TYPE_SUGGESTIONS = [
  'VARCHAR',
  'BIGINT',
  'INTEGER',
  'DOUBLE',
  'DECIMAL(18, 2)',
  'BOOLEAN',
  'DATE',
  'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE',
  'TIME',
  'SMALLINT',
  'FLOAT',
  'HUGEINT',
  'UUID',
];

// ---------- scalar inputs ----------

function TextInput({
  value,
  onChange,
  testId,
  invalid,
  placeholder,
  mono,
  list,
}: {
  value: string;
  onChange: (v: string) => void;
  testId?: string;
  invalid?: boolean;
  placeholder?: string;
  mono?: boolean;
  list?: string;
}) {
  return (
    <input
      className={`input${mono ? ' mono' : ''}${invalid ? ' invalid' : ''}`}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      data-testid={testId}
      placeholder={placeholder}
      spellCheck={false}
      list={list}
    />
  );
}

function NumberInput({
  value,
  onChange,
  integer,
  testId,
  invalid,
  placeholder,
  min,
}: {
  value: number | undefined;
  onChange: (v: number | undefined) => void;
  integer: boolean;
  testId?: string;
  invalid?: boolean;
  placeholder?: string;
  min?: number;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? (value === undefined ? '' : String(value));
  return (
    <input
      className={`input mono num${invalid || (draft !== null && draft !== '' && isNaN(Number(draft))) ? ' invalid' : ''}`}
      value={shown}
      inputMode={integer ? 'numeric' : 'decimal'}
      placeholder={placeholder}
      data-testid={testId}
      onChange={(e) => {
        const t = e.target.value;
        setDraft(t);
        if (t.trim() === '') onChange(undefined);
        else {
          const n = Number(t);
          if (!isNaN(n) && (!integer || Number.isInteger(n)) && (min === undefined || n >= min)) onChange(n);
        }
      }}
      onBlur={() => setDraft(null)}
    />
  );
}

function Switch({ checked, onChange, testId, label }: { checked: boolean; onChange: (v: boolean) => void; testId?: string; label?: string }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      className={`switch${checked ? ' on' : ''}`}
      onClick={() => onChange(!checked)}
      data-testid={testId}
    >
      <span className="switch-knob" />
    </button>
  );
}

/** A JSON scalar typed as text: numbers, true/false and null are read as such; quotes force text. */
export function parseLiteral(t: string): Json {
  const s = t.trim();
  if (s === '') return '';
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null') return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) {
    try {
      return JSON.parse(s) as Json;
    } catch {
      return t;
    }
  }
  return t;
}

function showLiteral(v: Json | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(v.trim()) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

function LiteralInput({ value, onChange, testId, invalid }: { value: Json | undefined; onChange: (v: Json | undefined) => void; testId?: string; invalid?: boolean }) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      className={`input mono${invalid ? ' invalid' : ''}`}
      value={draft ?? showLiteral(value)}
      placeholder='value (text, number, true/false)'
      data-testid={testId}
      spellCheck={false}
      onChange={(e) => {
        setDraft(e.target.value);
        onChange(e.target.value === '' ? undefined : parseLiteral(e.target.value));
      }}
      onBlur={() => setDraft(null)}
    />
  );
}

// ---------- the generic field ----------

interface FieldProps {
  info: FieldInfo;
  path: string;
  value: Json | undefined;
  onChange: (v: Json | undefined) => void;
  /** Port for column pickers, inherited from the enclosing field. */
  port?: string;
  required?: boolean;
  /** Render compactly (inside a row). */
  compact?: boolean;
  placeholder?: string;
}

/** A field; one whose widget hint the form does not know is drawn from its type, with a note
 * saying so (rather than silently looking like any other text box). */
export function Field(props: FieldProps) {
  const hint = props.info.widget;
  if (!isUnknownWidget(hint)) return <TypedField {...props} />;
  return (
    <div className="field-widget-fallback">
      <TypedField {...props} />
      <div className="field-widget-unknown" data-testid={`widget-unknown-${props.path}`} title={`x-sluice-widget: ${hint}`}>
        No editor for “{hint}” here: shown as plain {props.info.model.type}.
      </div>
    </div>
  );
}

function TypedField({ info, path, value, onChange, port, required, compact, placeholder }: FieldProps) {
  const ctx = useContext(Ctx);
  const role = widgetRole(info.widget);
  const invalid = useInvalid(path);
  const p = info.port ?? port;
  const m = info.model;
  const testId = `field-${path}`;
  const dflt = info.default;

  switch (m.type) {
    case 'string': {
      const s = typeof value === 'string' ? value : '';
      const emit = (v: string) => onChange(v === '' && (info.nullable || !required) ? undefined : v);
      const ph = placeholder ?? (typeof dflt === 'string' && dflt !== '' ? dflt : undefined);
      if (role === 'sql-expression' || role === 'sql-query') {
        const query = role === 'sql-query';
        // A query over the node's inputs, or (a database source) over the database's tables.
        const inputs = query ? ctx.tables() : undefined;
        const queryHint = ctx.source ? 'SELECT … FROM <table>' : 'SELECT … FROM <input port>';
        return (
          <SqlEditor
            value={s}
            onChange={emit}
            columns={query ? undefined : (ctx.columnsFor(p) ?? [])}
            tables={inputs}
            testId={testId}
            invalid={invalid}
            minHeight={query ? '140px' : compact ? undefined : '32px'}
            maxHeight="320px"
            lineNumbers={query}
            placeholder={query ? queryHint : 'SQL expression'}
            ariaLabel={path}
          />
        );
      }
      if (role === 'connection') {
        return <ConnectionField value={s} onChange={emit} driver={info.driver} remote={ctx.remote} testId={testId} invalid={invalid} />;
      }
      if (role === 'table') {
        return <TableField value={s} onChange={emit} remote={ctx.remote} testId={testId} invalid={invalid} placeholder={ph} />;
      }
      if (role === 'column') {
        return <ColumnInput value={s} onChange={emit} columns={ctx.columnsFor(p)} testId={testId} invalid={invalid} placeholder={ph} ariaLabel={path} />;
      }
      if (role === 'path') {
        const note = s ? (ctx.pathNote?.(s) ?? null) : null;
        return (
          <div className="path-field">
            <div className="path-input">
              <TextInput value={s} onChange={emit} testId={testId} invalid={invalid} mono placeholder={ph ?? "relative to the spec's folder"} />
              {ctx.browse && (
                <button
                  className="btn"
                  type="button"
                  onClick={async () => {
                    const picked = await ctx.browse!();
                    if (picked) emit(picked);
                  }}
                  title="Browse"
                  data-testid={`browse-${path}`}
                >
                  <IconFolder size={14} /> Browse
                </button>
              )}
            </div>
            {note && (
              <div className="field-help path-note" data-testid={`path-note-${path}`}>
                {note}
              </div>
            )}
          </div>
        );
      }
      return <TextInput value={s} onChange={emit} testId={testId} invalid={invalid} placeholder={ph} />;
    }
    case 'number':
      return (
        <NumberInput
          value={typeof value === 'number' ? value : undefined}
          onChange={(v) => onChange(v)}
          integer={m.integer}
          testId={testId}
          invalid={invalid}
          min={m.minimum}
          placeholder={typeof dflt === 'number' ? String(dflt) : info.nullable ? 'not set' : undefined}
        />
      );
    case 'boolean': {
      const checked = typeof value === 'boolean' ? value : dflt === true;
      return <Switch checked={checked} onChange={(v) => onChange(v)} testId={testId} label={path} />;
    }
    case 'enum': {
      const cur = typeof value === 'string' ? value : '';
      const selected = m.options.find((o) => o.value === (cur || dflt));
      const optional = info.nullable || !required;
      return (
        <div className="enum">
          <select
            className={`input select${invalid ? ' invalid' : ''}`}
            value={cur}
            onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
            data-testid={testId}
          >
            {(optional || !cur) && (
              <option value="">{typeof dflt === 'string' ? `${dflt} (default)` : optional ? '— not set —' : '— choose —'}</option>
            )}
            {m.options.map((o) => (
              <option key={o.value} value={o.value} title={o.description}>
                {o.value}
              </option>
            ))}
          </select>
          {selected?.description && !compact && <div className="field-help enum-help">{selected.description}</div>}
        </div>
      );
    }
    case 'array':
      return <ArrayField info={info} items={m.items} path={path} value={value} onChange={onChange} port={p} />;
    case 'map':
      return <MapField info={info} values={m.values} path={path} value={value} onChange={onChange} port={p} />;
    case 'object':
      return <ObjectFields props={m.properties} path={path} value={value} onChange={onChange} port={p} />;
    case 'any':
      return <LiteralInput value={value} onChange={onChange} testId={testId} invalid={invalid} />;
  }
}

// ---------- arrays ----------

function ArrayField({
  info,
  items,
  path,
  value,
  onChange,
  port,
}: {
  info: FieldInfo;
  items: FieldInfo;
  path: string;
  value: Json | undefined;
  onChange: (v: Json | undefined) => void;
  port?: string;
}) {
  const ctx = useContext(Ctx);
  const list = Array.isArray(value) ? value : [];
  const emit = (next: Json[]) => onChange(next);
  if (items.model.type === 'string' && (widgetRole(info.widget) === 'columns' || widgetRole(items.widget) === 'column')) {
    const invalidIdx = new Set<number>();
    for (const d of ctx.diagnostics) {
      const pp = paramPath(d);
      const mm = pp ? new RegExp(`^${escapeRe(path)}\\[(\\d+)\\]`).exec(pp) : null;
      if (mm) invalidIdx.add(Number(mm[1]));
    }
    return (
      <ColumnChips
        value={list.filter((x): x is string => typeof x === 'string')}
        onChange={emit}
        columns={ctx.columnsFor(info.port ?? port)}
        testId={`field-${path}`}
        invalidIndexes={invalidIdx}
      />
    );
  }
  const isObj = items.model.type === 'object';
  return (
    <div className={`rows${isObj ? ' rows-obj' : ''}`} data-testid={`field-${path}`}>
      {list.length === 0 && <div className="rows-empty">None</div>}
      {list.map((item, i) => (
        <div className="row" key={i}>
          <div className="row-body">
            {isObj && items.model.type === 'object' ? (
              <ObjectFields
                props={items.model.properties}
                path={`${path}[${i}]`}
                value={item}
                onChange={(v) => emit(list.map((x, j) => (j === i ? (v ?? {}) : x)))}
                port={items.port ?? port}
                inline
              />
            ) : (
              <Field
                info={items}
                path={`${path}[${i}]`}
                value={item}
                onChange={(v) => emit(list.map((x, j) => (j === i ? (v ?? '') : x)))}
                port={items.port ?? port}
                required
                compact
              />
            )}
          </div>
          <button
            className="icon-btn row-remove"
            type="button"
            aria-label="Remove"
            title="Remove"
            data-testid={`remove-${path}-${i}`}
            onClick={() => emit(list.filter((_, j) => j !== i))}
          >
            <IconTrash size={13} />
          </button>
        </div>
      ))}
      <button className="btn btn-ghost add-btn" type="button" data-testid={`add-${path}`} onClick={() => emit([...list, emptyValue(items)])}>
        <IconPlus size={13} /> Add
      </button>
    </div>
  );
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------- maps ----------

function MapKeyInput({
  k,
  others,
  onRename,
  columns,
  testId,
  invalid,
  columnKeyed,
}: {
  k: string;
  others: Set<string>;
  onRename: (to: string) => void;
  columns: Column[] | null;
  testId: string;
  invalid: boolean;
  columnKeyed: boolean;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? k;
  const dup = draft !== null && others.has(draft);
  const change = (v: string) => {
    if (others.has(v)) setDraft(v);
    else {
      setDraft(null);
      onRename(v);
    }
  };
  if (columnKeyed)
    return (
      <ColumnInput
        value={shown}
        onChange={change}
        columns={columns}
        exclude={others}
        testId={testId}
        invalid={invalid || dup}
        placeholder="column"
        ariaLabel="key"
      />
    );
  return (
    <input
      className={`input mono${invalid || dup ? ' invalid' : ''}`}
      value={shown}
      onChange={(e) => change(e.target.value)}
      data-testid={testId}
      placeholder="name"
      spellCheck={false}
      title={dup ? 'This name is used already' : undefined}
      onBlur={() => setDraft(null)}
    />
  );
}

function MapField({
  info,
  values,
  path,
  value,
  onChange,
  port,
}: {
  info: FieldInfo;
  values: FieldInfo;
  path: string;
  value: Json | undefined;
  onChange: (v: Json | undefined) => void;
  port?: string;
}) {
  const ctx = useContext(Ctx);
  const obj: JsonObject = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const entries = Object.entries(obj);
  const widget = info.widget;
  const columnKeyed = widgetRole(widget) === 'column-keyed-map';
  const columns = ctx.columnsFor(info.port ?? port);
  const objValues = values.model.type === 'object';
  // Objects and SQL expressions get the full width under their key.
  const stacked = objValues || widget === 'sql-expression-map';
  const isInvalid = (p: string) => ctx.diagnostics.some((d) => d.severity === 'error' && paramPath(d) === p);
  const listId = `types-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;

  const addRow = () => {
    const used = new Set(Object.keys(obj));
    let key: string;
    if (columnKeyed) key = columns?.find((c) => !used.has(c.name))?.name ?? uniqueName('column', used);
    else key = uniqueName('new_column', used);
    onChange({ ...obj, [key]: widget === 'column-rename' ? key : emptyValue(values) });
  };

  return (
    <div className={`rows map${stacked ? ' rows-obj' : ''}`} data-testid={`field-${path}`}>
      {widget === 'column-types' && (
        <datalist id={listId}>
          {TYPE_SUGGESTIONS.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      )}
      {entries.length === 0 && <div className="rows-empty">None</div>}
      {entries.map(([k, v], i) => {
        const others = new Set(entries.map(([kk]) => kk).filter((kk) => kk !== k));
        const vpath = `${path}.${k}`;
        const rowInvalid = isInvalid(vpath);
        const setValue = (nv: Json | undefined) => onChange({ ...obj, [k]: nv === undefined ? (objValues ? {} : '') : nv });
        let valueEl: React.ReactNode;
        if (widget === 'sql-expression-map') {
          valueEl = (
            <SqlEditor
              value={typeof v === 'string' ? v : ''}
              onChange={(s) => setValue(s)}
              columns={columns ?? []}
              testId={`value-${path}-${i}`}
              invalid={rowInvalid}
              placeholder="SQL expression"
              ariaLabel={`${k} expression`}
            />
          );
        } else if (widget === 'column-types') {
          valueEl = (
            <TextInput value={typeof v === 'string' ? v : ''} onChange={setValue} testId={`value-${path}-${i}`} invalid={rowInvalid} mono placeholder="SQL type" list={listId} />
          );
        } else if (objValues && values.model.type === 'object') {
          valueEl = (
            <div data-testid={`value-${path}-${i}`}>
              <ObjectFields props={values.model.properties} path={vpath} value={v} onChange={setValue} port={values.port ?? port} inline />
            </div>
          );
        } else if (values.model.type === 'string') {
          valueEl = (
            <TextInput value={typeof v === 'string' ? v : ''} onChange={setValue} testId={`value-${path}-${i}`} invalid={rowInvalid} mono />
          );
        } else {
          valueEl = (
            <div data-testid={`value-${path}-${i}`}>
              <Field info={values} path={vpath} value={v} onChange={setValue} port={port} required compact />
            </div>
          );
        }
        return (
          <div className={`row map-row${stacked ? ' map-row-obj' : ''}`} key={i}>
            <div className="map-key">
              <MapKeyInput
                k={k}
                others={others}
                onRename={(to) => onChange(renameKeyOrdered(obj, k, to))}
                columns={columns}
                testId={`key-${path}-${i}`}
                invalid={rowInvalid && columnKeyed}
                columnKeyed={columnKeyed}
              />
            </div>
            {!stacked && <span className="map-arrow">{widget === 'column-rename' ? '→' : widget === 'sql-expression-map' ? '=' : ':'}</span>}
            <div className="map-value">{valueEl}</div>
            <button className="icon-btn row-remove" type="button" aria-label="Remove" title="Remove" data-testid={`remove-${path}-${i}`} onClick={() => onChange(setKey(obj, k, undefined))}>
              <IconTrash size={13} />
            </button>
          </div>
        );
      })}
      <button className="btn btn-ghost add-btn" type="button" data-testid={`add-${path}`} onClick={addRow}>
        <IconPlus size={13} /> Add
      </button>
    </div>
  );
}

// ---------- objects ----------

function ObjectFields({
  props,
  path,
  value,
  onChange,
  port,
  inline,
}: {
  props: PropInfo[];
  path: string;
  value: Json | undefined;
  onChange: (v: Json | undefined) => void;
  port?: string;
  inline?: boolean;
}) {
  const obj: JsonObject = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  return (
    <div className={`obj${inline ? ' obj-inline' : ''}`}>
      {props.map((p) => {
        const sub = path ? `${path}.${p.name}` : p.name;
        const v = obj[p.name];
        return (
          <div className="obj-field" key={p.name} title={p.field.description}>
            <span className="obj-label">
              {p.name}
              {p.required && <span className="req">*</span>}
            </span>
            <Field info={p.field} path={sub} value={v} onChange={(nv) => onChange(setKey(obj, p.name, nv))} port={port} required={p.required} compact />
          </div>
        );
      })}
    </div>
  );
}

// ---------- a top-level parameter ----------

function isCompound(f: FieldInfo): boolean {
  return f.model.type === 'array' || f.model.type === 'map' || f.model.type === 'object';
}

function formatDefault(d: Json | undefined): string | null {
  if (d === undefined || d === null) return null;
  if (typeof d === 'string') return d === '' ? '""' : d;
  if (Array.isArray(d) && d.length === 0) return null;
  if (typeof d === 'object' && Object.keys(d).length === 0) return null;
  return JSON.stringify(d);
}

function TopField({ prop, value, onChange }: { prop: PropInfo; value: Json | undefined; onChange: (v: Json | undefined) => void }) {
  const ctx = useContext(Ctx);
  const f = prop.field;
  const diags = ctx.diagnostics.filter((d) => {
    const p = paramPath(d);
    return p !== null && isUnder(p, prop.name);
  });
  const missing = prop.required && value === undefined;
  // Option<compound>: absent and empty mean different things, so it gets an explicit toggle.
  const toggle = f.nullable && isCompound(f);
  const isSet = value !== undefined && value !== null;
  const dflt = formatDefault(f.default);
  const errored = diags.some((d) => d.severity === 'error') || missing;
  return (
    <div className={`field${errored ? ' has-error' : ''}`} data-field={prop.name}>
      <div className="field-label">
        <span className="field-name" title={prop.name}>
          {humanize(prop.name)}
        </span>
        {prop.required ? <span className="req" title="Required">*</span> : null}
        {!prop.required && f.nullable && <span className="badge-opt">optional</span>}
        <span className="field-key mono">{prop.name}</span>
        {toggle && (
          <span className="field-toggle">
            <Switch checked={isSet} onChange={(on) => onChange(on ? emptyValue({ ...f, default: undefined }) : undefined)} testId={`toggle-${prop.name}`} label={`Set ${prop.name}`} />
          </span>
        )}
      </div>
      <Doc text={f.description} />
      {(!toggle || isSet) && <Field info={f} path={prop.name} value={value} onChange={onChange} required={prop.required} />}
      {toggle && !isSet && <div className="field-unset">Not set{dflt ? ` (default ${dflt})` : ''}</div>}
      {missing && diags.length === 0 && <div className="diag diag-error">Required</div>}
      {diags.map((d, i) => {
        const sub = paramPath(d)!;
        return (
          <div key={i} className={`diag diag-${d.severity}`}>
            {sub !== prop.name && <span className="mono diag-path">{sub}</span>}
            {/missing field `/.test(d.message) ? 'Required' : d.message}
            {d.help && <span className="diag-help"> — {d.help}</span>}
          </div>
        );
      })}
    </div>
  );
}

export interface SchemaFormProps {
  schema: JsonSchema;
  value: JsonObject;
  onChange: (next: JsonObject, field: string) => void;
  context: FormContext;
}

/** The form for a node's params. `onChange` gets the whole new params object. */
export function SchemaForm({ schema, value, onChange, context }: SchemaFormProps) {
  const props = useMemo(() => paramProps(schema), [schema]);
  if (props.length === 0) return <div className="empty-note">This node has no parameters.</div>;
  return (
    <Ctx.Provider value={context}>
      <div className="schema-form">
        {props.map((p) => (
          <TopField key={p.name} prop={p} value={value[p.name]} onChange={(v) => onChange(setKey(value, p.name, v), p.name)} />
        ))}
      </div>
    </Ctx.Provider>
  );
}

export { fieldDiagnostics };
