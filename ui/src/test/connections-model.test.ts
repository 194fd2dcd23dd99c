// The connections' logic without the UI: how a connection is described, which ones a field
// offers, tables by schema, the source a table becomes, and the state updates that keep answers
// in order and forget what a changed connection no longer is.
import { describe, expect, it } from 'vitest';
import {
  bySchema,
  connectionNameProblem,
  connectionProblem,
  connectionsFor,
  definedBy,
  filterTables,
  passwordFrom,
  sourceFor,
  sourceNodeId,
  tablesFor,
  whereTo,
} from '../model/connections';
import {
  forget,
  listArrived,
  listAsked,
  listFailed,
  NO_CONNECTIONS,
  tablesArrived,
  tablesAsked,
  tablesFailed,
  testEnded,
  testStarted,
} from '../store/connections';
import { freeSpotNear } from '../model/placement';
import type { ConnectionInfo, ConnectionList, RemoteTable } from '../model/types';
import { connectionInfo as conn, overlapping, smallSpec } from './helpers';
import { addNode } from '../model/spec';

const TABLES: RemoteTable[] = [
  { schema: 'sales', name: 'orders', kind: 'table' },
  { schema: 'public', name: 'customers', kind: 'table' },
  { schema: 'sales', name: 'big_orders', kind: 'view' },
  { schema: 'public', name: 'orders', kind: 'table' },
];

describe('connections, described', () => {
  it('says where a connection goes, where it is defined and where its password comes from', () => {
    expect(whereTo(conn())).toBe('ana@db.internal:5432/shop');
    expect(whereTo(conn({ user: '', port: null, database: '' }))).toBe('db.internal');
    expect(definedBy(conn())).toBe('connections file');
    expect(definedBy(conn({ name: 'crm', origin: 'env' }))).toBe('SLUICE_CONN_CRM_URL');
    expect(passwordFrom(conn())).toBe('OS keyring');
    expect(passwordFrom(conn({ password: 'file' }))).toBe('connections file');
    expect(passwordFrom(conn({ name: 'crm', password: 'env' }))).toBe('SLUICE_CONN_CRM_PASSWORD');
    expect(passwordFrom(conn({ password: 'url' }))).toBe('the URL');
    expect(passwordFrom(conn({ password: 'none' }))).toBe('no password');
  });

  it('checks names as the connections file does', () => {
    expect(connectionNameProblem('warehouse_2')).toBeNull();
    expect(connectionNameProblem('')).toMatch(/name/);
    expect(connectionNameProblem('2nd')).toMatch(/starting with a letter/);
    expect(connectionNameProblem('my-db')).toMatch(/Letters, digits and _/);
    expect(connectionNameProblem('a'.repeat(65))).toMatch(/64/);
  });

  it("offers a field the connections of its driver, by name, and says what is wrong with the one it names", () => {
    const list = [conn({ name: 'warehouse' }), conn({ name: 'crm', driver: 'mysql' }), conn({ name: 'analytics' })];
    expect(connectionsFor(list, 'postgres').map((c) => c.name)).toEqual(['analytics', 'warehouse']);
    expect(connectionsFor(list).map((c) => c.name)).toEqual(['analytics', 'crm', 'warehouse']);
    expect(connectionsFor(null, 'postgres')).toEqual([]);
    expect(connectionProblem(list, 'warehouse', 'postgres')).toBeNull();
    expect(connectionProblem(null, 'anything', 'postgres')).toBeNull();
    expect(connectionProblem(list, '', 'postgres')).toBeNull();
    expect(connectionProblem(list, 'nope', 'postgres')).toMatch(/No connection 'nope'.*SLUICE_CONN_NOPE_URL/);
    expect(connectionProblem(list, 'crm', 'postgres')).toBe("'crm' is a MySQL connection; this source reads PostgreSQL.");
  });
});

describe('tables', () => {
  it('groups tables by schema, both in name order, and filters them', () => {
    const g = bySchema(TABLES);
    expect(g.map((x) => [x.schema, x.tables.map((t) => t.name)])).toEqual([
      ['public', ['customers', 'orders']],
      ['sales', ['big_orders', 'orders']],
    ]);
    expect(filterTables(TABLES, 'SALES.').map((t) => `${t.schema}.${t.name}`)).toEqual(['sales.orders', 'sales.big_orders']);
    expect(filterTables(TABLES, 'ORD')).toHaveLength(3);
    expect(filterTables(TABLES, '  ')).toBe(TABLES);
    expect(bySchema([{ schema: null, name: 'a', kind: 'table' }])).toEqual([{ schema: null, tables: [{ schema: null, name: 'a', kind: 'table' }] }]);
  });

  it('offers a table field the tables of the schema set, else all', () => {
    expect(tablesFor(TABLES, 'sales').map((t) => t.name)).toEqual(['orders', 'big_orders']);
    expect(tablesFor(TABLES, null)).toHaveLength(4);
    expect(tablesFor(TABLES, ' ')).toHaveLength(4);
    expect(tablesFor(null, 'sales')).toEqual([]);
  });

  it("makes a table a source of the connection's driver, with an id after the table", () => {
    expect(sourceFor(conn(), TABLES[0])).toEqual({ kind: 'read_postgres', params: { connection: 'warehouse', schema: 'sales', table: 'orders' } });
    expect(sourceFor(conn({ name: 'crm', driver: 'mysql' }), { schema: null, name: 'leads', kind: 'table' })).toEqual({
      kind: 'read_mysql',
      params: { connection: 'crm', table: 'leads' },
    });
    expect(sourceFor(conn({ driver: 'sqlite' }), TABLES[0])).toBeNull();
    const spec = smallSpec();
    expect(sourceNodeId(spec, 'orders')).toBe('orders');
    expect(sourceNodeId(spec, 'src')).toBe('src_2');
    expect(sourceNodeId(spec, '2024 sales')).toBe('_2024_sales');
  });

  it('puts a new source at a free spot near the middle of the view', () => {
    const spec = smallSpec();
    // The middle of `src`: taken, so the nearest free spot.
    const at = freeSpotNear(spec, {}, { x: 90, y: 30 });
    const added = addNode(spec, { id: 'orders', kind: 'read_postgres', params: {} }, at);
    expect(overlapping(added)).toEqual([]);
    expect(Math.hypot(at.x - 0, at.y - 0)).toBeLessThan(400);
    // An empty spot: right there, on the grid.
    expect(freeSpotNear(spec, {}, { x: 1100, y: 1048 })).toEqual({ x: 1000, y: 1000 });
  });
});

describe('connections state', () => {
  const list = (connections: ConnectionInfo[]): ConnectionList => ({ file: '/c.json', keyring: false, connections });

  it('takes only the answer of the last list request, and keeps what is known of unchanged connections', () => {
    let s = listAsked(NO_CONNECTIONS, 1);
    s = listAsked(s, 2);
    expect(listArrived(s, 1, list([]))).toBe(s);
    s = listArrived(s, 2, list([conn(), conn({ name: 'crm', driver: 'mysql', url: 'mysql://crm@h/crm' })]));
    expect(s.loading).toBeNull();
    s = tablesArrived(tablesAsked(s, 'warehouse', 3), 'warehouse', 3, TABLES);
    s = tablesArrived(tablesAsked(s, 'crm', 4), 'crm', 4, []);
    s = testEnded(testStarted(s, 'crm', 5), 'crm', 5, { state: 'ok', version: 'MariaDB', ms: 3 });
    // crm now goes elsewhere, warehouse is as it was, and a third is new.
    s = listArrived(listAsked(s, 6), 6, list([conn(), conn({ name: 'crm', driver: 'mysql', url: 'mysql://crm@other/crm' }), conn({ name: 'new' })]));
    expect(Object.keys(s.tables)).toEqual(['warehouse']);
    expect(s.tests).toEqual({});
    s = listFailed(listAsked(s, 7), 7, 'connections file /c.json: not a connections file');
    expect(s.error).toMatch(/not a connections file/);
    expect(s.list?.connections).toHaveLength(3);
    expect(forget(s, 'warehouse').tables).toEqual({});
    expect(forget(s, 'absent')).toEqual(s);
  });

  it('keeps a tables answer only for the request still on the way', () => {
    let s = tablesAsked(NO_CONNECTIONS, 'w', 1);
    s = tablesAsked(s, 'w', 2);
    expect(tablesArrived(s, 'w', 1, TABLES)).toBe(s);
    expect(tablesFailed(s, 'w', 2, 'boom').tables.w).toEqual({ loading: null, tables: null, error: 'boom' });
    s = tablesArrived(s, 'w', 2, TABLES);
    // Read again: the old list stays on show meanwhile.
    expect(tablesAsked(s, 'w', 3).tables.w).toEqual({ loading: 3, tables: TABLES, error: null });
  });

  it('keeps the outcome of the last test only', () => {
    let s = testStarted(NO_CONNECTIONS, 'w', 1);
    s = testStarted(s, 'w', 2);
    expect(testEnded(s, 'w', 1, { state: 'ok', version: 'x', ms: 1 })).toBe(s);
    s = testEnded(s, 'w', 2, { state: 'failed', code: 'N010', message: 'refused' });
    expect(s.tests.w).toEqual({ state: 'failed', code: 'N010', message: 'refused' });
    // Forgotten (saved meanwhile): a late answer is dropped.
    const started = testStarted(NO_CONNECTIONS, 'w', 3);
    expect(testEnded(forget(started, 'w'), 'w', 3, { state: 'ok', version: 'x', ms: 1 }).tests).toEqual({});
  });
});
