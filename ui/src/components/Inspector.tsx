// The right-hand panel: the selected node's id, description, inputs and generated params form;
// the pipeline's name, description and params when nothing is selected.

import { useEffect, useMemo, useState } from 'react';
import { nodePorts, pickerPort } from '../model/catalog';
import { nodeLevelDiagnostics } from '../model/diagnostics';
import { paramProps } from '../model/schema';
import { absolutePathNote, relativeToSpec } from '../model/paths';
import { descendants, findNode, uniqueName } from '../model/spec';
import type { StoreApi } from 'zustand/vanilla';
import type { Column, Diagnostic, Json, JsonObject, KindInfo, NodeSpec, ParamDecl, ParamType } from '../model/types';
import { useApp, useStoreApi, type Store } from '../store/store';
import type { ConnectionsState } from '../store/connections';
import { useController, type Controller } from '../app/controller';
import type { RemoteFormContext } from './form/RemoteFields';
import { Doc, SchemaForm, parseLiteral, type FormContext } from './form/SchemaForm';
import { CategoryIcon, IconChevronDown, IconChevronRight, IconError, IconInfo, IconPlus, IconTrash, IconWarning } from './icons';
import { CATEGORY_LABEL } from './Palette';

const EMPTY: Diagnostic[] = [];

function DiagList({ diags }: { diags: Diagnostic[] }) {
  if (diags.length === 0) return null;
  return (
    <div className="diag-list" data-testid="node-diagnostics">
      {diags.map((d, i) => (
        <div key={i} className={`diag-box diag-${d.severity}`}>
          {d.severity === 'error' ? <IconError size={14} /> : <IconWarning size={14} />}
          <div>
            <div>
              {d.path && <span className="mono diag-path">{d.path}</span>}
              {d.message}
            </div>
            {d.help && <div className="diag-help">{d.help}</div>}
            <div className="diag-code mono">
              {d.code}
              {d.fault === 'data' ? ' · data' : ''}
            </div>
          </div>
        </div>
      ))}
    </div>
  );
}

function Section({ title, children, right, defaultOpen = true, testId }: { title: string; children: React.ReactNode; right?: React.ReactNode; defaultOpen?: boolean; testId?: string }) {
  const [open, setOpen] = useState(defaultOpen);
  return (
    <section className="insp-section" data-testid={testId}>
      <button className="insp-section-head" onClick={() => setOpen(!open)} type="button" aria-expanded={open}>
        {open ? <IconChevronDown size={12} /> : <IconChevronRight size={12} />}
        <span>{title}</span>
        {right && <span className="insp-section-right">{right}</span>}
      </button>
      {open && <div className="insp-section-body">{children}</div>}
    </section>
  );
}

function IdField({ node }: { node: NodeSpec }) {
  const store = useStoreApi();
  const [draft, setDraft] = useState(node.id);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setDraft(node.id);
    setProblem(null);
  }, [node.id]);
  const commit = () => {
    if (draft === node.id) return setProblem(null);
    const p = store.getState().renameNode(node.id, draft.trim());
    setProblem(p);
  };
  return (
    <div className="field">
      <div className="field-label">
        <span className="field-name">Id</span>
      </div>
      <input
        className={`input mono${problem ? ' invalid' : ''}`}
        value={draft}
        data-testid="node-id-input"
        spellCheck={false}
        onChange={(e) => {
          setDraft(e.target.value);
          setProblem(null);
        }}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') {
            setDraft(node.id);
            setProblem(null);
          }
        }}
      />
      {problem && <div className="diag diag-error">{problem}</div>}
    </div>
  );
}

function InputsSection({ node, kind }: { node: NodeSpec; kind: KindInfo | undefined }) {
  const store = useStoreApi();
  const spec = useApp((s) => s.spec);
  const kinds = useApp((s) => s.kinds);
  const ports = nodePorts(kind, node);
  const down = useMemo(() => descendants(spec, node.id), [spec, node.id]);
  const candidates = spec.nodes.filter((n) => n.id !== node.id && !down.has(n.id) && (kinds.get(n.kind)?.output ?? false));
  if (!kind || (ports.length === 0 && kind.inputs.type === 'fixed')) return null;
  const setPort = (port: string, src: string) => {
    const s = store.getState();
    if (!src) s.deleteEdges([`${node.inputs?.[port]}->${node.id}:${port}`]);
    else s.connect({ source: src, target: node.id, sourceHandle: 'out', targetHandle: port });
  };
  const named = kind.inputs.type === 'named';
  return (
    <Section title="Inputs" right={named ? <span className="muted">min {kind.inputs.type === 'named' ? kind.inputs.min : 0}</span> : undefined}>
      {named && <Doc text={kind.inputs.type === 'named' ? kind.inputs.doc : ''} />}
      <div className="inputs-table">
        {ports.map((p) => (
          <div className="inputs-row" key={p}>
            <span className="mono inputs-port">
              {p}
              {kind.inputs.type === 'fixed' && kind.inputs.ports.find((x) => x.name === p)?.optional && <span className="muted"> (optional)</span>}
            </span>
            <select className="input select" value={node.inputs?.[p] ?? ''} onChange={(e) => setPort(p, e.target.value)} data-testid={`input-select-${p}`}>
              <option value="">— not connected —</option>
              {candidates.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.id}
                </option>
              ))}
            </select>
            {named && (
              <button className="icon-btn" type="button" title="Remove input" aria-label={`Remove input ${p}`} onClick={() => setPort(p, '')}>
                <IconTrash size={13} />
              </button>
            )}
          </div>
        ))}
        {named && (
          <div className="inputs-row">
            <span className="muted inputs-port">new</span>
            <select
              className="input select"
              value=""
              data-testid="input-select-new"
              onChange={(e) => {
                if (!e.target.value) return;
                store.getState().connect({ source: e.target.value, target: node.id, sourceHandle: 'out', targetHandle: '+' });
              }}
            >
              <option value="">+ add an input…</option>
              {candidates.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.id}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
    </Section>
  );
}

/** What the database sources' fields know of the user's connections: the list, and the tables of
 * the connection the node names. */
function remoteContext(store: StoreApi<Store>, ctrl: Controller, id: string, node: NodeSpec | undefined, connections: ConnectionsState): RemoteFormContext {
  const params = node?.params ?? {};
  const name = typeof params.connection === 'string' ? params.connection : '';
  const schema = typeof params.schema === 'string' && params.schema ? params.schema : null;
  const known = !!connections.list?.connections.some((c) => c.name === name);
  return {
    connections: connections.list?.connections ?? null,
    ensureLoaded: () => ctrl.connections.ensureLoaded(),
    manage: (focus) => ctrl.connections.open(focus ?? null),
    tables: known ? (connections.tables[name] ?? { loading: null, tables: null, error: null }) : null,
    loadTables: () => {
      if (known) void ctrl.connections.tables(name);
    },
    schema,
    pickTable: (toSchema, table) => {
      const cur = findNode(store.getState().spec, id)?.params ?? {};
      const next: JsonObject = { ...cur, table };
      if (toSchema) next.schema = toSchema;
      else delete next.schema;
      store.getState().setParams(id, next, `params:${id}:table`);
    },
  };
}

function NodeInspector({ id }: { id: string }) {
  const store = useStoreApi();
  const ctrl = useController();
  const node = useApp((s) => findNode(s.spec, id));
  const kind = useApp((s) => (node ? s.kinds.get(node.kind) : undefined));
  const check = useApp((s) => s.check);
  const connections = useApp((s) => s.connections);
  const [docsOpen, setDocsOpen] = useState(false);
  const diags = useMemo(() => check?.diagnostics.filter((d) => d.node === id) ?? EMPTY, [check, id]);
  const fields = useMemo(() => (kind ? paramProps(kind.params_schema).map((p) => p.name) : []), [kind]);
  const remote = useMemo(() => remoteContext(store, ctrl, id, node, connections), [store, ctrl, id, node, connections]);
  const context: FormContext = useMemo(() => {
    const schemas = check?.schemas ?? {};
    const cols = (nodeId: string | undefined): Column[] | null => (nodeId ? (schemas[nodeId] ?? null) : null);
    return {
      diagnostics: diags,
      columnsFor: (hint?: string) => {
        if (!node) return null;
        const port = pickerPort(kind, node, hint);
        if (!port) return cols(node.id); // a source: its own columns
        return cols(node.inputs?.[port]);
      },
      tables: () => {
        const out: Record<string, Column[]> = {};
        for (const [p, src] of Object.entries(node?.inputs ?? {})) out[p] = cols(src) ?? [];
        return out;
      },
      pathNote: (value: string) => absolutePathNote(store.getState().path, value),
      browse: ctrl.nativeDialogs
        ? async () => {
            const picked = await ctrl.openDialog('data');
            return picked ? relativeToSpec(store.getState().path, picked) : null;
          }
        : undefined,
      remote,
      source: kind?.category === 'source',
    };
  }, [check, diags, node, kind, ctrl, store, remote]);

  if (!node) return null;
  const nodeDiags = nodeLevelDiagnostics(diags, id, fields);
  return (
    <div className="inspector-body" data-testid="inspector-node">
      <div className={`insp-kind cat-${kind?.category ?? 'transform'}`}>
        <span className="chip-icon">
          <CategoryIcon category={kind?.category ?? 'transform'} size={16} />
        </span>
        <div className="insp-kind-text">
          <div className="insp-kind-title">{kind?.title ?? node.kind}</div>
          <div className="insp-kind-sub">
            {kind ? CATEGORY_LABEL[kind.category].replace(/s$/, '') : 'Unknown kind'} · <span className="mono">{node.kind}</span>
          </div>
        </div>
        {kind && (
          <button className={`icon-btn${docsOpen ? ' active' : ''}`} onClick={() => setDocsOpen(!docsOpen)} title="About this node" aria-label="About this node" type="button" data-testid="toggle-docs">
            <IconInfo size={15} />
          </button>
        )}
      </div>
      {kind && docsOpen && (
        <div className="insp-docs">
          <Doc text={kind.docs} />
        </div>
      )}
      <DiagList diags={nodeDiags} />
      <Section title="Node">
        <IdField node={node} />
        <div className="field">
          <div className="field-label">
            <span className="field-name">Description</span>
          </div>
          <textarea
            className="input textarea"
            rows={2}
            value={node.description ?? ''}
            placeholder="A note for readers"
            data-testid="node-description"
            onChange={(e) => store.getState().setDescription(id, e.target.value)}
          />
        </div>
      </Section>
      <InputsSection node={node} kind={kind} />
      {kind ? (
        <Section title="Parameters" testId="params-section">
          <SchemaForm
            schema={kind.params_schema}
            value={node.params ?? {}}
            context={context}
            onChange={(params, field) => store.getState().setParams(id, params, `params:${id}:${field}`)}
          />
        </Section>
      ) : (
        <div className="empty-note">The catalog has no kind '{node.kind}'; its params are kept as they are.</div>
      )}
    </div>
  );
}

const PARAM_TYPES: ParamType[] = ['string', 'integer', 'number', 'boolean', 'identifier', 'sql'];

function showValue(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function typedDefault(type: ParamType, text: string): Json | undefined {
  if (text === '') return undefined;
  if (type === 'string' || type === 'identifier' || type === 'sql') return text;
  const v = parseLiteral(text);
  return v;
}

function ParamNameInput({ name, taken, onRename, testId }: { name: string; taken: Set<string>; onRename: (to: string) => void; testId: string }) {
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  const problem = draft !== name && (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(draft) ? 'letters, digits and _' : taken.has(draft) ? 'taken' : null);
  const commit = () => {
    if (draft !== name && !problem) onRename(draft);
    else setDraft(name);
  };
  return (
    <input
      className={`input mono${problem ? ' invalid' : ''}`}
      value={draft}
      data-testid={testId}
      title={problem || undefined}
      aria-label="Parameter name"
      spellCheck={false}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => e.key === 'Enter' && commit()}
    />
  );
}

function SpecInspector() {
  const store = useStoreApi();
  const spec = useApp((s) => s.spec);
  const overrides = useApp((s) => s.overrides);
  const check = useApp((s) => s.check);
  const kinds = useApp((s) => s.kinds);
  const params = spec.params ?? {};
  const entries = Object.entries(params);
  const specDiags = (check?.diagnostics ?? []).filter((d) => !d.node);
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const n of spec.nodes) {
      const cat = kinds.get(n.kind)?.category ?? 'transform';
      c[cat] = (c[cat] ?? 0) + 1;
    }
    return c;
  }, [spec.nodes, kinds]);
  const errors = (check?.diagnostics ?? []).filter((d) => d.severity === 'error').length;
  const setParams = (next: Record<string, ParamDecl>, key?: string) => store.getState().setSpecParams(next, key);
  const update = (name: string, patch: Partial<ParamDecl>, key?: string) => {
    const d: ParamDecl = { ...params[name], ...patch };
    if (d.default === undefined) delete d.default;
    if (!d.description) delete d.description;
    setParams({ ...params, [name]: d }, key);
  };
  const rename = (from: string, to: string) => {
    if (!to || (to !== from && to in params)) return;
    const next: Record<string, ParamDecl> = {};
    for (const [k, v] of entries) next[k === from ? to : k] = v;
    setParams(next, `param-name:${from}`);
  };
  return (
    <div className="inspector-body" data-testid="inspector-spec">
      <div className="insp-kind cat-pipeline">
        <div className="insp-kind-text">
          <div className="insp-kind-title">Pipeline</div>
          <div className="insp-kind-sub">
            {spec.nodes.length} {spec.nodes.length === 1 ? 'node' : 'nodes'}
            {Object.entries(counts).map(([c, n]) => (
              <span key={c} className={`count-dot cat-${c}`} title={`${n} ${c}`}>
                {n}
              </span>
            ))}
            {check && (errors ? <span className="text-error"> · {errors} {errors === 1 ? 'error' : 'errors'}</span> : <span className="text-ok"> · valid</span>)}
          </div>
        </div>
      </div>
      <DiagList diags={specDiags} />
      <Section title="Pipeline">
        <div className="field">
          <div className="field-label">
            <span className="field-name">Name</span>
          </div>
          <input className="input" value={spec.name} data-testid="spec-name" onChange={(e) => store.getState().setSpecMeta({ name: e.target.value })} />
        </div>
        <div className="field">
          <div className="field-label">
            <span className="field-name">Description</span>
          </div>
          <textarea
            className="input textarea"
            rows={3}
            value={spec.description ?? ''}
            placeholder="What the pipeline does, for its readers"
            data-testid="spec-description"
            onChange={(e) => store.getState().setSpecMeta({ description: e.target.value })}
          />
        </div>
      </Section>
      <Section title="Parameters" right={<span className="muted">{entries.length}</span>}>
        <Doc text="`${name}` in any node parameter is replaced by the value; in SQL it is a quoted literal (type `identifier` or `sql` to splice a name or an expression). A run uses the override when given, else the default." />
        {entries.length === 0 && <div className="rows-empty">No parameters.</div>}
        <div className="spec-params">
          {entries.map(([name, decl], i) => (
            <div className="spec-param" key={i}>
              <div className="spec-param-row">
                <ParamNameInput name={name} taken={new Set(Object.keys(params))} onRename={(to) => rename(name, to)} testId={`param-name-${i}`} />
                <select className="input select" value={decl.type} data-testid={`param-type-${i}`} onChange={(e) => update(name, { type: e.target.value as ParamType })} aria-label="Type">
                  {PARAM_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
                <button
                  className="icon-btn"
                  type="button"
                  aria-label={`Remove parameter ${name}`}
                  onClick={() => {
                    const next = { ...params };
                    delete next[name];
                    setParams(next);
                    store.getState().setOverride(name, null);
                  }}
                >
                  <IconTrash size={13} />
                </button>
              </div>
              <div className="spec-param-grid">
                <span className="obj-label">default</span>
                <input
                  className="input mono"
                  value={showValue(decl.default)}
                  data-testid={`param-default-${i}`}
                  placeholder="none: must be given"
                  onChange={(e) => update(name, { default: typedDefault(decl.type, e.target.value) }, `param-default:${name}`)}
                />
                <span className="obj-label">override</span>
                <input
                  className="input mono"
                  value={overrides[name] ?? ''}
                  data-testid={`param-override-${i}`}
                  placeholder={decl.default !== undefined ? `default: ${showValue(decl.default)}` : 'value for runs'}
                  onChange={(e) => store.getState().setOverride(name, e.target.value === '' ? null : e.target.value)}
                />
                <span className="obj-label">about</span>
                <input
                  className="input"
                  value={decl.description ?? ''}
                  placeholder="description"
                  onChange={(e) => update(name, { description: e.target.value }, `param-desc:${name}`)}
                />
              </div>
            </div>
          ))}
        </div>
        <button
          className="btn btn-ghost add-btn"
          type="button"
          data-testid="add-spec-param"
          onClick={() => setParams({ ...params, [uniqueName('param', Object.keys(params), true)]: { type: 'string' } })}
        >
          <IconPlus size={13} /> Add parameter
        </button>
      </Section>
    </div>
  );
}

export function Inspector() {
  const selection = useApp((s) => s.selection);
  return (
    <aside className="inspector" aria-label="Inspector">
      <div className="panel-head">
        <span className="panel-title">{selection.length === 1 ? 'Node' : selection.length > 1 ? 'Selection' : 'Pipeline'}</span>
      </div>
      {selection.length === 1 ? (
        <NodeInspector key={selection[0]} id={selection[0]} />
      ) : selection.length > 1 ? (
        <div className="inspector-body">
          <div className="empty-state">
            <div className="empty-title">{selection.length} nodes selected</div>
            <p>
              <kbd>Ctrl</kbd> <kbd>C</kbd> copies them, <kbd>Delete</kbd> removes them, <kbd>F</kbd> frames them. Select one
              node to edit it.
            </p>
          </div>
        </div>
      ) : (
        <SpecInspector />
      )}
    </aside>
  );
}
