// What the UI does with the user's connections: list them, add, change and remove them, test
// them, browse their tables, and make a source node of a table. The Connections panel and the
// forms call these; they never call the backend. No password is ever kept here: a typed one goes
// straight to `connection_save`.

import type { StoreApi } from 'zustand/vanilla';
import { toBackendError, type Backend } from '../platform';
import { sourceFor, sourceNodeId } from '../model/connections';
import type { ConnectionInfo, ConnectionSave, Position, RemoteColumn, RemoteTable } from '../model/types';
import {
  forget,
  listArrived,
  listAsked,
  listFailed,
  requestId,
  tablesArrived,
  tablesAsked,
  tablesFailed,
  testEnded,
  testStarted,
} from '../store/connections';
import type { Store } from '../store/store';

type Confirm = (title: string, message: string, buttons: { id: string; label: string; kind?: 'primary' | 'danger' | 'plain' }[]) => Promise<string>;

export type ConnectionsController = ReturnType<typeof createConnectionsController>;

export function createConnectionsController(backend: Backend, store: StoreApi<Store>, confirm: Confirm) {
  const S = () => store.getState();

  /** (Re)read the list; resolves when it is in (or failed). */
  async function load(): Promise<void> {
    const id = requestId();
    S().updateConnections((c) => listAsked(c, id));
    try {
      const list = await backend.connections();
      S().updateConnections((c) => listArrived(c, id, list));
    } catch (e) {
      S().updateConnections((c) => listFailed(c, id, toBackendError(e).message));
    }
  }

  /** The list, read once: for forms that need it (not again after a failure; the panel retries). */
  function ensureLoaded() {
    const c = S().connections;
    if (!c.list && c.loading === null && !c.error) void load();
  }

  /** Open the Connections panel (at connection `focus`), reading the list afresh. */
  function open(focus: string | null = null) {
    S().setConnectionsPanel({ focus });
    void load();
  }

  function close() {
    S().setConnectionsPanel(null);
  }

  /** Save a connection; resolves to it as listed, rejects with the command's error (the form
   * shows it where it was typed). */
  async function save(c: ConnectionSave): Promise<ConnectionInfo> {
    const saved = await backend.connectionSave(c);
    S().updateConnections((x) => forget(x, c.name));
    await load();
    S().toast({ kind: 'success', title: `Connection ${c.name} saved` });
    return saved;
  }

  /** Remove a connection from the connections file, once the user agrees. */
  async function remove(name: string): Promise<boolean> {
    const b = await confirm(
      'Remove the connection?',
      `${name} goes from the connections file (and its password from the keyring). Pipelines that read through it need it defined again to run.`,
      [
        { id: 'cancel', label: 'Cancel', kind: 'plain' },
        { id: 'remove', label: 'Remove', kind: 'danger' },
      ],
    );
    if (b !== 'remove') return false;
    try {
      await backend.connectionRemove(name);
    } catch (e) {
      const err = toBackendError(e);
      S().toast({ kind: 'error', title: `Could not remove ${name}`, detail: err.message });
      return false;
    }
    S().updateConnections((x) => forget(x, name));
    await load();
    return true;
  }

  /** Connect and ask the server's version; the outcome is kept by connection. */
  async function test(name: string): Promise<void> {
    const id = requestId();
    S().updateConnections((c) => testStarted(c, name, id));
    try {
      const r = await backend.connectionTest(name);
      S().updateConnections((c) => testEnded(c, name, id, { state: 'ok', ...r }));
    } catch (e) {
      const err = toBackendError(e);
      S().updateConnections((c) => testEnded(c, name, id, { state: 'failed', code: err.code, message: err.message }));
    }
  }

  /** The connection's tables, read when not known yet (or again with `refresh`). */
  async function tables(name: string, opts: { refresh?: boolean } = {}): Promise<void> {
    const cur = S().connections.tables[name];
    if (cur && !opts.refresh && (cur.loading !== null || cur.tables)) return;
    const id = requestId();
    S().updateConnections((c) => tablesAsked(c, name, id));
    try {
      const list = await backend.connectionTables(name);
      S().updateConnections((c) => tablesArrived(c, name, id, list));
    } catch (e) {
      S().updateConnections((c) => tablesFailed(c, name, id, toBackendError(e).message));
    }
  }

  /** The columns of a table, with the DuckDB type each is read as (for browsing: not kept). */
  function columns(name: string, schema: string | null, table: string): Promise<RemoteColumn[]> {
    return backend.connectionColumns(name, schema, table);
  }

  /** A source node reading `table` through connection `c`, at a free spot near `center`; the
   * panel closes and the node is selected. Returns its id. */
  function addAsSource(c: ConnectionInfo, table: RemoteTable, center: Position): string | null {
    const source = sourceFor(c, table);
    if (!source) return null;
    const s = S();
    if (!s.kinds.has(source.kind)) {
      s.toast({ kind: 'error', title: `This engine has no ${source.kind} source` });
      return null;
    }
    const id = s.addNodeWithParams(source.kind, source.params, center, sourceNodeId(s.spec, table.name));
    if (id) {
      close();
      S().toast({ kind: 'success', title: `Added ${id}`, detail: `${table.schema ? `${table.schema}.` : ''}${table.name} through ${c.name}` });
    }
    return id;
  }

  return { load, ensureLoaded, open, close, save, remove, test, tables, columns, addAsSource };
}
