// The fields of database sources: `connection` (x-sluice-widget "connection") picks one of the
// user's connections of the source's driver (x-sluice-driver), with a way to the Connections
// panel; `table` (widget "table") offers the tables of the node's connection. Both take free
// text too: a pipeline may name a connection defined only where it runs.

import { useEffect, useMemo } from 'react';
import { connectionProblem, connectionsFor, DRIVER_LABEL, tablesFor, whereTo } from '../../model/connections';
import type { ConnectionInfo } from '../../model/types';
import type { TablesState } from '../../store/connections';
import { PickInput, type PickOption } from './PickInput';

/** What the form knows of connections, from the Inspector. */
export interface RemoteFormContext {
  /** The user's connections; null until they are read. */
  connections: ConnectionInfo[] | null;
  /** Read the connections when they are not known yet. */
  ensureLoaded(): void;
  /** Open the Connections panel (at connection `focus`). */
  manage(focus?: string | null): void;
  /** The tables of the connection the node names; null when it names none. */
  tables: TablesState | null;
  /** Read them when they are not known yet. */
  loadTables(): void;
  /** The node's `schema` param. */
  schema: string | null;
  /** Set the node's schema and table at once (a table picked from another schema). */
  pickTable(schema: string | null, table: string): void;
}

export function ConnectionField({
  value,
  onChange,
  driver,
  remote,
  testId,
  invalid,
}: {
  value: string;
  onChange: (v: string) => void;
  driver?: string;
  remote: RemoteFormContext | undefined;
  testId: string;
  invalid: boolean;
}) {
  useEffect(() => remote?.ensureLoaded(), [remote]);
  const list = remote?.connections ?? null;
  const options: PickOption[] = useMemo(
    () => connectionsFor(list, driver).map((c) => ({ key: c.name, value: c.name, detail: whereTo(c) })),
    [list, driver],
  );
  const problem = connectionProblem(list, value, driver);
  const kind = driver ? (DRIVER_LABEL[driver as keyof typeof DRIVER_LABEL] ?? driver) : 'database';
  return (
    <div className="remote-field">
      <PickInput
        value={value}
        onChange={onChange}
        options={options}
        testId={testId}
        invalid={invalid}
        unknown={!!problem}
        placeholder={options.length ? 'connection' : 'connection name'}
        ariaLabel="connection"
        empty={list ? `No ${kind} connection yet` : 'Reading the connections…'}
      />
      {problem && (
        <div className="field-help remote-note" data-testid={`${testId}-note`}>
          {problem}
        </div>
      )}
      {remote && (
        <button type="button" className="link-btn" onClick={() => remote.manage(value || null)} data-testid={`${testId}-manage`}>
          {options.length ? 'Manage connections…' : `Add a ${kind} connection…`}
        </button>
      )}
    </div>
  );
}

export function TableField({
  value,
  onChange,
  remote,
  testId,
  invalid,
  placeholder,
}: {
  value: string;
  onChange: (v: string) => void;
  remote: RemoteFormContext | undefined;
  testId: string;
  invalid: boolean;
  placeholder?: string;
}) {
  const state = remote?.tables ?? null;
  const schema = remote?.schema ?? null;
  const options: PickOption[] = useMemo(() => {
    // With no schema set, tables of every schema, each saying which (a pick sets it).
    return tablesFor(state?.tables ?? null, schema).map((t) => ({
      key: `${t.schema ?? ''}.${t.name}`,
      value: t.name,
      detail: [schema ? null : t.schema, t.kind === 'table' ? null : t.kind].filter(Boolean).join(' · ') || undefined,
    }));
  }, [state, schema]);
  const tables = state?.tables ?? null;
  const unknown = !!tables && !!value && !tablesFor(tables, schema).some((t) => t.name === value);
  // No list at all when the node names no connection (a SQLite file's tables are typed).
  const empty = !state
    ? undefined
    : state.loading !== null
      ? 'Reading the tables…'
      : state.error
        ? `Could not list the tables: ${state.error}`
        : schema
          ? `No table in ${schema}`
          : 'No table';
  return (
    <PickInput
      value={value}
      onChange={onChange}
      options={options}
      onFocus={() => remote?.loadTables()}
      onPick={(o) => {
        const t = tablesFor(tables, schema).find((x) => `${x.schema ?? ''}.${x.name}` === o.key);
        if (t && remote && t.schema !== schema && !schema) remote.pickTable(t.schema, t.name);
        else onChange(o.value);
      }}
      testId={testId}
      invalid={invalid}
      unknown={unknown}
      placeholder={placeholder ?? 'table or view'}
      ariaLabel="table"
      empty={empty}
    />
  );
}
