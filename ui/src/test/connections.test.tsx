// The Connections panel and the database sources' fields, on the mock backend: listing what each
// connection is, adding and editing one without the password ever coming back, removing one
// (asked first), testing, browsing tables and adding one as a source; in the Inspector, a picker
// of the connections of the source's driver and the tables of its connection.
import { describe, expect, it } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Catalog } from '../model/types';
import { findNode } from '../model/spec';
import { mountApp } from './mount';
import { connectionInfo, overlapping } from './helpers';
import type { MockBackend } from './mockBackend';
import fullCatalogJson from './fixtures/catalog-full.json';

const fullCatalog = fullCatalogJson as unknown as Catalog;

function withConnections(b: MockBackend) {
  b.connectionList = [
    connectionInfo(),
    connectionInfo({ name: 'crm', driver: 'mysql', url: 'mysql://crm@10.0.0.5:3306/crm', host: '10.0.0.5', port: 3306, database: 'crm', user: 'crm', origin: 'env', password: 'env' }),
  ];
  b.passwords.set('warehouse', { password: 'kept-secret', keyring: true });
  b.remoteTables = {
    warehouse: [
      { schema: 'sales', name: 'orders', kind: 'table' },
      { schema: 'public', name: 'customers', kind: 'table' },
      { schema: 'sales', name: 'big_orders', kind: 'view' },
    ],
  };
}

async function openPanel(setup: (b: MockBackend) => void = withConnections) {
  const app = await mountApp(setup);
  act(() => app.store.getState().setCatalog(fullCatalog));
  fireEvent.click(screen.getByTestId('open-connections'));
  await screen.findByTestId('connections-panel');
  return app;
}

const panel = () => screen.getByTestId('connections-panel');

describe('the Connections panel', () => {
  it('lists each connection: name, driver, where it goes, where it is defined, where its password comes from', async () => {
    await openPanel();
    const w = await screen.findByTestId('connection-row-warehouse');
    expect(w).toHaveTextContent('warehouse');
    expect(w).toHaveTextContent('PostgreSQL');
    expect(w).toHaveTextContent('ana@db.internal:5432/shop');
    expect(w).toHaveTextContent('from connections file');
    expect(screen.getByTestId('connection-password-warehouse')).toHaveTextContent('password: OS keyring');
    const crm = screen.getByTestId('connection-row-crm');
    expect(crm).toHaveTextContent('MySQL');
    expect(crm).toHaveTextContent('from SLUICE_CONN_CRM_URL');
    expect(screen.getByTestId('connection-password-crm')).toHaveTextContent('SLUICE_CONN_CRM_PASSWORD');
    // One of the environment's is changed there, not here.
    expect(screen.getByTestId('connection-edit-crm')).toBeDisabled();
    expect(screen.getByTestId('connection-remove-crm')).toBeDisabled();
    expect(screen.getByTestId('connections-file')).toHaveAttribute('title', '/home/ana/.config/sluice/connections.json');
    expect(panel().textContent).not.toContain('kept-secret');
  });

  it('says so when there are none; keys stay with it, and Escape closes it', async () => {
    const { store } = await openPanel(() => {});
    expect(await screen.findByTestId('connections-empty')).toHaveTextContent('No connections yet');
    // The canvas behind is out of reach: Delete leaves the selected node alone.
    act(() => store.getState().select(['keep']));
    fireEvent.keyDown(window, { key: 'Delete' });
    expect(findNode(store.getState().spec, 'keep')).toBeDefined();
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(store.getState().connectionsPanel).toBeNull();
    expect(screen.queryByTestId('connections-panel')).toBeNull();
  });

  it('adds a connection: the password goes to the backend once and is never shown again', async () => {
    const { backend } = await openPanel((b) => {
      withConnections(b);
      b.keyring = true;
    });
    fireEvent.click(screen.getByTestId('connections-add'));
    const form = screen.getByTestId('connection-form');
    // The keyring is there: offered, and chosen by default.
    expect(screen.getByTestId('connection-keyring')).toBeEnabled();
    expect(screen.getByTestId('connection-keyring')).toBeChecked();
    // Mistakes are caught before anything is sent.
    fireEvent.change(screen.getByTestId('connection-name'), { target: { value: '2nd' } });
    fireEvent.click(screen.getByTestId('connection-save'));
    expect(form).toHaveTextContent('starting with a letter');
    fireEvent.change(screen.getByTestId('connection-name'), { target: { value: 'warehouse' } });
    expect(form).toHaveTextContent("'warehouse' is taken");
    expect(backend.callsOf('connection_save')).toHaveLength(0);

    fireEvent.change(screen.getByTestId('connection-name'), { target: { value: 'analytics' } });
    fireEvent.change(screen.getByTestId('connection-url'), { target: { value: 'postgres://bob@pg.internal:5433/analytics' } });
    const password = screen.getByTestId('connection-password') as HTMLInputElement;
    expect(password.type).toBe('password');
    fireEvent.change(password, { target: { value: 's3cret!' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('connection-save'));
    });
    expect(backend.callsOf('connection_save').map((c) => c.args)).toEqual([
      { name: 'analytics', url: 'postgres://bob@pg.internal:5433/analytics', keyring: true, password: 's3cret!' },
    ]);
    const row = await screen.findByTestId('connection-row-analytics');
    expect(row).toHaveTextContent('bob@pg.internal:5433/analytics');
    expect(screen.getByTestId('connection-password-analytics')).toHaveTextContent('OS keyring');
    expect(screen.queryByTestId('connection-form')).toBeNull();
    expect(document.body.textContent).not.toContain('s3cret!');
    for (const input of Array.from(document.querySelectorAll('input'))) expect(input.value).not.toContain('s3cret!');
  });

  it("shows the backend's refusal in the form, and not the password typed", async () => {
    await openPanel();
    fireEvent.click(screen.getByTestId('connections-add'));
    // No keyring here: the box is off and says why.
    expect(screen.getByTestId('connection-keyring')).toBeDisabled();
    expect(screen.getByTestId('connection-form')).toHaveTextContent('No OS keyring here');
    fireEvent.change(screen.getByTestId('connection-name'), { target: { value: 'legacy' } });
    fireEvent.change(screen.getByTestId('connection-url'), { target: { value: 'oracle://a@h/d' } });
    fireEvent.change(screen.getByTestId('connection-password'), { target: { value: 'typed-1' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('connection-save'));
    });
    expect(await screen.findByTestId('connection-form-error')).toHaveTextContent('unknown scheme');
    expect((screen.getByTestId('connection-password') as HTMLInputElement).value).toBe('');
  });

  it('edits a connection: the password field starts empty, and left empty the saved password stays', async () => {
    const { backend } = await openPanel();
    fireEvent.click(await screen.findByTestId('connection-edit-warehouse'));
    expect(screen.getByTestId('connection-name')).toHaveValue('warehouse');
    expect(screen.getByTestId('connection-name')).toBeDisabled();
    expect(screen.getByTestId('connection-url')).toHaveValue('postgres://ana@db.internal:5432/shop');
    const password = screen.getByTestId('connection-password') as HTMLInputElement;
    expect(password.value).toBe('');
    expect(password.placeholder).toBe('Leave empty to keep the saved password');
    fireEvent.change(screen.getByTestId('connection-url'), { target: { value: 'postgres://ana@db.internal:6543/shop' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('connection-save'));
    });
    // No password key at all: keep it (in the keyring, which this machine cannot reach now).
    expect(backend.callsOf('connection_save').map((c) => c.args)).toEqual([{ name: 'warehouse', url: 'postgres://ana@db.internal:6543/shop', keyring: true }]);
    expect(backend.passwords.get('warehouse')?.password).toBe('kept-secret');
    expect(await screen.findByTestId('connection-row-warehouse')).toHaveTextContent(':6543/shop');

    // Forgetting it sends an empty one.
    fireEvent.click(screen.getByTestId('connection-edit-warehouse'));
    fireEvent.click(screen.getByTestId('connection-forget'));
    await act(async () => {
      fireEvent.click(screen.getByTestId('connection-save'));
    });
    expect(backend.callsOf('connection_save')[1].args).toEqual({ name: 'warehouse', url: 'postgres://ana@db.internal:6543/shop', keyring: false, password: '' });
    expect(await screen.findByTestId('connection-password-warehouse')).toHaveTextContent('no password');
  });

  it('removes a connection once the user agrees', async () => {
    const { backend } = await openPanel();
    fireEvent.click(await screen.findByTestId('connection-remove-warehouse'));
    expect(screen.getByTestId('confirm-modal')).toHaveTextContent('Remove the connection?');
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(backend.callsOf('connection_remove')).toHaveLength(0);
    expect(screen.getByTestId('connection-row-warehouse')).toBeInTheDocument();
    fireEvent.click(screen.getByTestId('connection-remove-warehouse'));
    await act(async () => {
      fireEvent.click(screen.getByTestId('confirm-remove'));
    });
    expect(backend.callsOf('connection_remove').map((c) => c.args)).toEqual([{ name: 'warehouse' }]);
    await waitFor(() => expect(screen.queryByTestId('connection-row-warehouse')).toBeNull());
    // The panel stays open behind the question.
    expect(screen.getByTestId('connection-row-crm')).toBeInTheDocument();
  });

  it("tests a connection: the server's version, or the error", async () => {
    const { backend } = await openPanel();
    await act(async () => {
      fireEvent.click(await screen.findByTestId('connection-test-warehouse'));
    });
    const ok = await screen.findByTestId('connection-test-result-warehouse');
    expect(ok).toHaveAttribute('data-state', 'ok');
    expect(ok).toHaveTextContent('Connected in 7 ms');
    expect(ok).toHaveTextContent('PostgreSQL 15.8');
    backend.connectionFailures.crm = { code: 'N010', message: "connection 'crm': cannot reach MySQL at 10.0.0.5:3306: timed out" };
    await act(async () => {
      fireEvent.click(screen.getByTestId('connection-test-crm'));
    });
    const failed = await screen.findByTestId('connection-test-result-crm');
    expect(failed).toHaveAttribute('data-state', 'failed');
    expect(failed).toHaveTextContent('cannot reach MySQL');
    expect(failed).toHaveTextContent('N010');
  });

  it('browses schemas, tables, views and columns, and adds a table as a source at a free spot', async () => {
    const { backend, store } = await openPanel();
    await act(async () => {
      fireEvent.click(await screen.findByTestId('connection-expand-warehouse'));
    });
    const tables = await screen.findByTestId('connection-tables-warehouse');
    expect(within(tables).getByTestId('schema-warehouse-public')).toHaveTextContent('public');
    expect(within(tables).getByTestId('schema-warehouse-sales')).toHaveTextContent('sales');
    expect(within(tables).getByTestId('table-warehouse-sales.big_orders')).toHaveTextContent('view');
    // A schema folds away.
    fireEvent.click(screen.getByTestId('schema-warehouse-public'));
    expect(screen.queryByTestId('table-warehouse-public.customers')).toBeNull();
    fireEvent.click(screen.getByTestId('schema-warehouse-public'));
    // A table shows its columns with the types they are read as.
    await act(async () => {
      fireEvent.click(within(screen.getByTestId('table-warehouse-sales.orders')).getByText('orders'));
    });
    expect(await screen.findByTestId('columns-warehouse-sales.orders')).toHaveTextContent('DECIMAL(12,2)');
    expect(backend.callsOf('connection_columns').map((c) => c.args)).toEqual([{ name: 'warehouse', schema: 'sales', table: 'orders' }]);
    // The filter.
    fireEvent.change(screen.getByTestId('connection-filter-warehouse'), { target: { value: 'cust' } });
    expect(screen.queryByTestId('table-warehouse-sales.orders')).toBeNull();
    fireEvent.change(screen.getByTestId('connection-filter-warehouse'), { target: { value: '' } });

    const before = store.getState().spec.nodes.length;
    act(() => fireEvent.click(screen.getByTestId('add-source-warehouse-sales.orders')));
    const s = store.getState();
    expect(s.spec.nodes).toHaveLength(before + 1);
    const node = findNode(s.spec, 'orders')!;
    expect(node.kind).toBe('read_postgres');
    expect(node.params).toMatchObject({ connection: 'warehouse', schema: 'sales', table: 'orders' });
    expect(s.selection).toEqual(['orders']);
    expect(overlapping(s.spec)).toEqual([]);
    // The panel closes on the new node; one undo takes it away.
    expect(screen.queryByTestId('connections-panel')).toBeNull();
    act(() => store.getState().undo());
    expect(findNode(store.getState().spec, 'orders')).toBeUndefined();
  });

  it('says why the tables could not be listed, and tries again', async () => {
    const { backend } = await openPanel();
    backend.connectionFailures.warehouse = { code: 'N010', message: "connection 'warehouse': password authentication failed" };
    await act(async () => {
      fireEvent.click(await screen.findByTestId('connection-expand-warehouse'));
    });
    expect(await screen.findByTestId('connection-tables-warehouse')).toHaveTextContent('password authentication failed');
    delete backend.connectionFailures.warehouse;
    await act(async () => {
      fireEvent.click(screen.getByText('Try again'));
    });
    expect(await screen.findByTestId('table-warehouse-sales.orders')).toBeInTheDocument();
  });
});

describe("a database source's fields", () => {
  async function selectSource(params: Record<string, string>) {
    const app = await mountApp(withConnections);
    act(() => {
      const s = app.store.getState();
      s.setCatalog(fullCatalog);
      s.addNodeWithParams('read_postgres', params, { x: 1000, y: 1000 }, 'orders');
    });
    await screen.findByTestId('inspector-node');
    return app;
  }

  it('picks among the connections of the source\'s driver, and opens the panel', async () => {
    const { store } = await selectSource({ connection: '' });
    const field = await screen.findByTestId('field-connection');
    fireEvent.focus(field);
    await screen.findByTestId('field-connection-option-warehouse');
    // crm is MySQL: not offered to a PostgreSQL source.
    expect(screen.queryByTestId('field-connection-option-crm')).toBeNull();
    fireEvent.mouseDown(screen.getByTestId('field-connection-option-warehouse'));
    expect(findNode(store.getState().spec, 'orders')!.params.connection).toBe('warehouse');
    expect(screen.queryByTestId('field-connection-note')).toBeNull();
    // A name defined nowhere here is kept, and said so.
    fireEvent.change(field, { target: { value: 'crm' } });
    expect(screen.getByTestId('field-connection-note')).toHaveTextContent("'crm' is a MySQL connection");
    fireEvent.change(field, { target: { value: 'prod' } });
    expect(screen.getByTestId('field-connection-note')).toHaveTextContent('SLUICE_CONN_PROD_URL');
    fireEvent.click(screen.getByTestId('field-connection-manage'));
    expect(store.getState().connectionsPanel).toEqual({ focus: 'prod' });
    expect(await screen.findByTestId('connections-panel')).toBeInTheDocument();
  });

  it("offers the connection's tables; one of another schema sets the schema too", async () => {
    const { store, backend } = await selectSource({ connection: 'warehouse' });
    const table = await screen.findByTestId('field-table');
    await act(async () => {
      fireEvent.focus(table);
    });
    expect(backend.callsOf('connection_tables').map((c) => c.args)).toEqual([{ name: 'warehouse' }]);
    const option = await screen.findByTestId('field-table-option-sales.orders');
    expect(option).toHaveTextContent('sales');
    expect(screen.getByTestId('field-table-option-sales.big_orders')).toHaveTextContent('view');
    fireEvent.mouseDown(option);
    expect(findNode(store.getState().spec, 'orders')!.params).toMatchObject({ connection: 'warehouse', schema: 'sales', table: 'orders' });
    // With the schema set, only its tables; free text still goes.
    fireEvent.focus(screen.getByTestId('field-table'));
    fireEvent.change(screen.getByTestId('field-table'), { target: { value: '' } });
    expect(screen.queryByTestId('field-table-option-public.customers')).toBeNull();
    fireEvent.change(screen.getByTestId('field-table'), { target: { value: 'archived_orders' } });
    expect(findNode(store.getState().spec, 'orders')!.params.table).toBe('archived_orders');
  });
});
