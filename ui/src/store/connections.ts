// The user's connections as the app knows them: the list, each connection's tables (when browsed
// or asked for by a form) and its last test. They belong to the user, not to the document: opening
// another pipeline keeps them. Pure updates here; the store applies them (updateConnections) and
// the controller (app/connections.ts) decides when.

import type { ConnectionList, ConnectionTested, RemoteTable } from '../model/types';

/** A connection's tables: asked for, known, or why not. */
export interface TablesState {
  /** The id of the request on the way; null when none is. */
  loading: number | null;
  tables: RemoteTable[] | null;
  error: string | null;
}

/** A connection's last test. */
export type TestState =
  | { state: 'testing'; id: number }
  | ({ state: 'ok' } & ConnectionTested)
  | { state: 'failed'; code: string; message: string };

export interface ConnectionsState {
  /** The last answer of `connections`; null until one came. */
  list: ConnectionList | null;
  /** The id of the list request on the way; null when none is. */
  loading: number | null;
  /** Why the list could not be read (a connections file that does not parse). */
  error: string | null;
  /** By connection name. */
  tables: Record<string, TablesState>;
  /** By connection name. */
  tests: Record<string, TestState>;
}

export const NO_CONNECTIONS: ConnectionsState = { list: null, loading: null, error: null, tables: {}, tests: {} };

let seq = 1;
/** A fresh request id. */
export function requestId(): number {
  return seq++;
}

function without<T>(o: Record<string, T>, key: string): Record<string, T> {
  if (!(key in o)) return o;
  const out = { ...o };
  delete out[key];
  return out;
}

export function listAsked(s: ConnectionsState, id: number): ConnectionsState {
  return { ...s, loading: id };
}

/** The list answered: tables and tests of connections that are gone, or whose URL changed,
 * are forgotten (they were of another database). */
export function listArrived(s: ConnectionsState, id: number, list: ConnectionList): ConnectionsState {
  if (s.loading !== id) return s;
  const before = new Map((s.list?.connections ?? []).map((c) => [c.name, c.url]));
  const keep = new Set(list.connections.filter((c) => !before.has(c.name) || before.get(c.name) === c.url).map((c) => c.name));
  const tables = Object.fromEntries(Object.entries(s.tables).filter(([n]) => keep.has(n)));
  const tests = Object.fromEntries(Object.entries(s.tests).filter(([n]) => keep.has(n)));
  return { list, loading: null, error: null, tables, tests };
}

export function listFailed(s: ConnectionsState, id: number, message: string): ConnectionsState {
  if (s.loading !== id) return s;
  return { ...s, loading: null, error: message };
}

/** Connection `name` was saved or removed: what was known of it is of another definition. */
export function forget(s: ConnectionsState, name: string): ConnectionsState {
  return { ...s, tables: without(s.tables, name), tests: without(s.tests, name) };
}

export function tablesAsked(s: ConnectionsState, name: string, id: number): ConnectionsState {
  const cur = s.tables[name];
  return { ...s, tables: { ...s.tables, [name]: { loading: id, tables: cur?.tables ?? null, error: null } } };
}

export function tablesArrived(s: ConnectionsState, name: string, id: number, tables: RemoteTable[]): ConnectionsState {
  if (s.tables[name]?.loading !== id) return s;
  return { ...s, tables: { ...s.tables, [name]: { loading: null, tables, error: null } } };
}

export function tablesFailed(s: ConnectionsState, name: string, id: number, message: string): ConnectionsState {
  if (s.tables[name]?.loading !== id) return s;
  return { ...s, tables: { ...s.tables, [name]: { loading: null, tables: null, error: message } } };
}

export function testStarted(s: ConnectionsState, name: string, id: number): ConnectionsState {
  return { ...s, tests: { ...s.tests, [name]: { state: 'testing', id } } };
}

/** The test's outcome; dropped when another test of the connection started since (or it was
 * saved or removed meanwhile). */
export function testEnded(s: ConnectionsState, name: string, id: number, outcome: TestState): ConnectionsState {
  const cur = s.tests[name];
  if (cur?.state !== 'testing' || cur.id !== id) return s;
  return { ...s, tests: { ...s.tests, [name]: outcome } };
}
