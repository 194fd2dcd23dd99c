// The user's named connections as the designer shows them, and the database sources made from
// their tables. What a connection is (host, user, password) never enters a spec: a source names
// its connection, and the Connections panel and the forms only read the listed facts.

import type { ConnectionInfo, Driver, JsonObject, RemoteTable, Spec } from './types';
import { uniqueName } from './spec';

/** The source kind that reads a connection's tables, by driver. */
export const SOURCE_KIND: Readonly<Partial<Record<Driver, string>>> = {
  postgres: 'read_postgres',
  mysql: 'read_mysql',
};

/** How a driver is named to people. */
export const DRIVER_LABEL: Readonly<Record<Driver, string>> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  sqlite: 'SQLite',
  spreadsheet: 'spreadsheet',
  s3: 'S3',
  gcs: 'Google Cloud Storage',
  azure: 'Azure Blob Storage',
  http: 'HTTP',
};

/** What the URL field suggests for a driver. */
export const URL_EXAMPLE = 'postgres://user@host:5432/database';

/** A connection name the connections file accepts: letters, digits and `_`, starting with a
 * letter (it is also part of `SLUICE_CONN_<NAME>_URL`). */
export function connectionNameProblem(name: string): string | null {
  if (!name) return 'Give the connection a name';
  if (name.length > 64) return 'At most 64 characters';
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return 'Letters, digits and _, starting with a letter';
  return null;
}

/** The environment variable that defines connection `name`, or holds its password. */
export function envVar(name: string, what: 'URL' | 'PASSWORD'): string {
  return `SLUICE_CONN_${name.toUpperCase()}_${what}`;
}

/** `user@host:port/database`: where a connection goes, without its scheme. */
export function whereTo(c: ConnectionInfo): string {
  const user = c.user ? `${c.user}@` : '';
  const port = c.port !== null ? `:${c.port}` : '';
  const db = c.database ? `/${c.database}` : '';
  return `${user}${c.host}${port}${db}`;
}

/** Where a connection is defined, in words. */
export function definedBy(c: ConnectionInfo): string {
  return c.origin === 'env' ? envVar(c.name, 'URL') : 'connections file';
}

/** Where its password comes from, in words. */
export function passwordFrom(c: ConnectionInfo): string {
  switch (c.password) {
    case 'keyring':
      return 'OS keyring';
    case 'file':
      return 'connections file';
    case 'env':
      return envVar(c.name, 'PASSWORD');
    case 'url':
      return 'the URL';
    case 'none':
      return 'no password';
  }
}

/** The connections a `connection` field offers: those of `driver` (all when none is given),
 * by name. */
export function connectionsFor(list: ConnectionInfo[] | null, driver?: string): ConnectionInfo[] {
  return (list ?? []).filter((c) => !driver || c.driver === driver).sort((a, b) => a.name.localeCompare(b.name));
}

/** What is wrong with the connection a field names, for a note under it; null when nothing is
 * (or the list is not known yet). */
export function connectionProblem(list: ConnectionInfo[] | null, name: string, driver?: string): string | null {
  if (!list || !name) return null;
  const c = list.find((x) => x.name === name);
  if (!c)
    return `No connection '${name}' on this machine: add it in Connections, or set ${envVar(name, 'URL')} where the pipeline runs.`;
  if (driver && c.driver !== driver) return `'${name}' is a ${DRIVER_LABEL[c.driver] ?? c.driver} connection; this source reads ${DRIVER_LABEL[driver as Driver] ?? driver}.`;
  return null;
}

/** A connection's tables by schema, schemas and tables in name order (views with the tables). */
export function bySchema(tables: RemoteTable[]): { schema: string | null; tables: RemoteTable[] }[] {
  const groups = new Map<string, { schema: string | null; tables: RemoteTable[] }>();
  for (const t of tables) {
    const key = t.schema ?? '';
    if (!groups.has(key)) groups.set(key, { schema: t.schema, tables: [] });
    groups.get(key)!.tables.push(t);
  }
  return [...groups.values()]
    .sort((a, b) => (a.schema ?? '').localeCompare(b.schema ?? ''))
    .map((g) => ({ ...g, tables: [...g.tables].sort((a, b) => a.name.localeCompare(b.name)) }));
}

/** Tables whose name (or `schema.name`) holds `query`, any case. */
export function filterTables(tables: RemoteTable[], query: string): RemoteTable[] {
  const q = query.trim().toLowerCase();
  if (!q) return tables;
  return tables.filter((t) => `${t.schema ? `${t.schema}.` : ''}${t.name}`.toLowerCase().includes(q));
}

/** The tables a `table` field offers: those of `schema` when it is set, else all. */
export function tablesFor(tables: RemoteTable[] | null, schema: string | null | undefined): RemoteTable[] {
  const s = schema?.trim();
  return (tables ?? []).filter((t) => !s || t.schema === s);
}

/** A node id for a source reading `table`: the table's name as an id, unique in the spec. */
export function sourceNodeId(spec: Spec, table: string): string {
  let base = table.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
  return uniqueName(base || 'source', new Set(spec.nodes.map((n) => n.id)));
}

/** The source node a table of connection `c` becomes: its kind and params; null when no source
 * kind reads that driver. */
export function sourceFor(c: ConnectionInfo, table: RemoteTable): { kind: string; params: JsonObject } | null {
  const kind = SOURCE_KIND[c.driver];
  if (!kind) return null;
  const params: JsonObject = { connection: c.name };
  if (table.schema) params.schema = table.schema;
  params.table = table.name;
  return { kind, params };
}
