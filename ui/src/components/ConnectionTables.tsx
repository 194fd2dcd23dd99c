// Browsing a connection: its schemas, their tables and views, a table's columns; "Add as source"
// makes a source node of a table.

import { useEffect, useMemo, useState } from 'react';
import { useController } from '../app/controller';
import { bySchema, filterTables, SOURCE_KIND } from '../model/connections';
import type { ConnectionInfo, RemoteColumn, RemoteTable } from '../model/types';
import { toBackendError } from '../platform';
import { useApp } from '../store/store';
import { canvasView } from './Canvas';
import { IconChevronDown, IconChevronRight, IconPlus, IconSearch, IconTable, Spinner } from './icons';

const tableKey = (t: RemoteTable) => `${t.schema ?? ''}.${t.name}`;

function Columns({ conn, table }: { conn: ConnectionInfo; table: RemoteTable }) {
  const ctrl = useController();
  const [cols, setCols] = useState<RemoteColumn[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    ctrl.connections.columns(conn.name, table.schema, table.name).then(
      (c) => live && setCols(c),
      (e) => live && setError(toBackendError(e).message),
    );
    return () => {
      live = false;
    };
  }, [ctrl, conn.name, table.schema, table.name]);
  if (error) return <div className="conn-columns text-error">{error}</div>;
  if (!cols)
    return (
      <div className="conn-columns muted">
        <Spinner size={11} /> Reading the columns…
      </div>
    );
  return (
    <div className="conn-columns" data-testid={`columns-${conn.name}-${tableKey(table)}`}>
      {cols.map((c) => (
        <div className="conn-column" key={c.name}>
          <span className="mono">{c.name}</span>
          <span className="mono muted" title={`${c.source_type} in the database`}>
            {c.type}
          </span>
        </div>
      ))}
    </div>
  );
}

export function ConnectionTables({ conn }: { conn: ConnectionInfo }) {
  const ctrl = useController();
  const state = useApp((s) => s.connections.tables[conn.name]);
  const [query, setQuery] = useState('');
  const [closed, setClosed] = useState<Set<string>>(new Set());
  const [shown, setShown] = useState<string | null>(null);
  useEffect(() => {
    void ctrl.connections.tables(conn.name);
  }, [ctrl, conn.name]);
  const groups = useMemo(() => bySchema(filterTables(state?.tables ?? [], query)), [state, query]);
  const canAdd = !!SOURCE_KIND[conn.driver];

  if (!state || (state.loading !== null && !state.tables))
    return (
      <div className="conn-tables muted" data-testid={`connection-tables-${conn.name}`}>
        <Spinner size={11} /> Reading the tables…
      </div>
    );
  if (state.error)
    return (
      <div className="conn-tables" data-testid={`connection-tables-${conn.name}`}>
        <div className="text-error conn-error">{state.error}</div>
        <button className="btn btn-sm" type="button" onClick={() => void ctrl.connections.tables(conn.name, { refresh: true })}>
          Try again
        </button>
      </div>
    );
  const all = state.tables ?? [];
  const toggle = (schema: string) => {
    const next = new Set(closed);
    if (next.has(schema)) next.delete(schema);
    else next.add(schema);
    setClosed(next);
  };
  return (
    <div className="conn-tables" data-testid={`connection-tables-${conn.name}`}>
      <div className="conn-tables-head">
        <div className="search conn-search">
          <IconSearch size={13} />
          <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder={`Filter ${all.length} tables`} aria-label="Filter tables" data-testid={`connection-filter-${conn.name}`} />
        </div>
        <button className="btn btn-ghost btn-sm" type="button" onClick={() => void ctrl.connections.tables(conn.name, { refresh: true })} disabled={state.loading !== null}>
          {state.loading !== null ? <Spinner size={11} /> : null} Refresh
        </button>
      </div>
      {all.length === 0 && <div className="muted conn-empty">This connection can read no tables.</div>}
      {all.length > 0 && groups.length === 0 && <div className="muted conn-empty">No table matches “{query}”.</div>}
      {groups.map((g) => {
        const key = g.schema ?? '';
        const open = !closed.has(key) || !!query;
        return (
          <div className="conn-schema" key={key}>
            {g.schema !== null && (
              <button className="conn-schema-head" type="button" onClick={() => toggle(key)} aria-expanded={open} data-testid={`schema-${conn.name}-${key}`}>
                {open ? <IconChevronDown size={11} /> : <IconChevronRight size={11} />}
                <span className="mono">{g.schema}</span>
                <span className="muted">{g.tables.length}</span>
              </button>
            )}
            {open &&
              g.tables.map((t) => {
                const k = tableKey(t);
                return (
                  <div key={k} className="conn-table-wrap">
                    <div className="conn-table" data-testid={`table-${conn.name}-${k}`}>
                      <button className="conn-table-name" type="button" onClick={() => setShown(shown === k ? null : k)} title="Show its columns" aria-expanded={shown === k}>
                        <IconTable size={13} />
                        <span className="mono">{t.name}</span>
                        {t.kind !== 'table' && <span className="conn-badge">{t.kind}</span>}
                      </button>
                      {canAdd && (
                        <button
                          className="btn btn-ghost btn-sm conn-add-source"
                          type="button"
                          onClick={() => ctrl.connections.addAsSource(conn, t, canvasView.center())}
                          title={`A ${SOURCE_KIND[conn.driver]} node reading ${k.replace(/^\./, '')}`}
                          data-testid={`add-source-${conn.name}-${k}`}
                        >
                          <IconPlus size={12} /> Add as source
                        </button>
                      )}
                    </div>
                    {shown === k && <Columns conn={conn} table={t} />}
                  </div>
                );
              })}
          </div>
        );
      })}
    </div>
  );
}
