import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../App';
import { createController } from '../app/controller';
import { createAppStore } from '../store/store';
import { formatBytes, runStatusClass } from '../model/history';
import type { RunListing, Spec } from '../model/types';
import { createMockBackend, mockCheckResult, mockRunDetail, runListing } from './mockBackend';
import { smallSpec } from './helpers';

const PATH = '/w/small.sluice.json';

const listing = (run_id: string, over: Partial<RunListing> = {}): RunListing => ({
  run_id,
  pipeline: 'small',
  started_at: '2024-05-01 09:30:00',
  ms: 1500,
  status: 'success',
  source: 'cli',
  failed_checks: 0,
  ...over,
});

/** source -> valid (a not-null check) -> out. */
function checkedSpec(): Spec {
  return {
    version: 1,
    name: 'checked',
    nodes: [
      { id: 'orders', kind: 'read_csv', params: { path: 'orders.csv' } },
      { id: 'valid', kind: 'check_not_null', inputs: { input: 'orders' }, params: { columns: ['email'], mostly: 0.99, samples: 3 } },
      { id: 'out', kind: 'write_parquet', inputs: { input: 'valid' }, params: { path: 'o.parquet' } },
    ],
    layout: { orders: { x: 0, y: 0 }, valid: { x: 240, y: 0 }, out: { x: 480, y: 0 } },
  };
}

describe('the run history in the store', () => {
  it('keeps the answer of the latest request for the current path only', () => {
    const store = createAppStore();
    store.getState().loadDocument(smallSpec(), PATH);
    const old = store.getState().startHistory(PATH);
    const req = store.getState().startHistory(PATH);
    store.getState().setHistory(old, [listing('old')]);
    expect(store.getState().history.runs).toBeNull();
    expect(store.getState().history.loading).toBe(req);
    store.getState().setHistory(req, [listing('r1')]);
    expect(store.getState().history).toEqual({ path: PATH, runs: [listing('r1')], loading: null, error: null });

    // A refresh keeps the list on show while it loads; a failure keeps it too.
    const again = store.getState().startHistory(PATH);
    expect(store.getState().history.runs).toHaveLength(1);
    store.getState().failHistory(again, 'disk gone');
    expect(store.getState().history.error).toBe('disk gone');
    expect(store.getState().history.runs).toHaveLength(1);

    // Another document: the list goes, and a late answer for the old one is ignored.
    const late = store.getState().startHistory(PATH);
    store.getState().loadDocument(smallSpec(), '/w/other.sluice.json');
    store.getState().setHistory(late, [listing('r9')]);
    expect(store.getState().history.runs).toBeNull();
  });

  it('keeps the picked run while it is listed; saving under another path forgets the list', () => {
    const store = createAppStore();
    store.getState().loadDocument(smallSpec(), PATH);
    store.getState().setHistory(store.getState().startHistory(PATH), [listing('r1'), listing('r2')]);
    const d = store.getState().startRunDetail('r2');
    store.getState().setRunDetail(d, mockRunDetail({ run_id: 'r2' }));
    expect(store.getState().runDetail?.detail?.run_id).toBe('r2');

    // A newer pick wins over an older answer.
    const first = store.getState().startRunDetail('r1');
    const second = store.getState().startRunDetail('r2');
    store.getState().setRunDetail(first, mockRunDetail({ run_id: 'r1' }));
    expect(store.getState().runDetail).toMatchObject({ runId: 'r2', detail: null, loading: second });
    store.getState().failRunDetail(second, 'gone');
    expect(store.getState().runDetail).toMatchObject({ runId: 'r2', loading: null, error: 'gone' });

    store.getState().setHistory(store.getState().startHistory(PATH), [listing('r3'), listing('r2')]);
    expect(store.getState().runDetail?.runId).toBe('r2');
    store.getState().setHistory(store.getState().startHistory(PATH), [listing('r3')]);
    expect(store.getState().runDetail).toBeNull();

    store.getState().markSaved(smallSpec(), PATH);
    expect(store.getState().history.runs).toHaveLength(1);
    store.getState().markSaved(smallSpec(), '/w/copy.sluice.json');
    expect(store.getState().history).toEqual({ path: null, runs: null, loading: null, error: null });
  });

  it('formats sizes and run statuses', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(5_500_000)).toBe('5.2 MB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
    expect(runStatusClass('success')).toBe('pill-done');
    expect(runStatusClass('failed')).toBe('pill-error');
    expect(runStatusClass('cancelled')).toBe('pill-warn');
    expect(runStatusClass('exploded')).toBe('');
  });
});

describe('the mock backend records runs of saved documents', () => {
  it('lists them latest first with their failed checks; unsaved runs are not recorded', async () => {
    const b = createMockBackend();
    b.checkFailures = { valid: 5 };
    await b.run({ spec: checkedSpec() }, () => {});
    expect(b.history.size).toBe(0);
    await b.run({ spec: checkedSpec(), path: PATH, params: { day: '2024-05-01' } }, () => {});
    b.checkFailures = {};
    await b.run({ spec: checkedSpec(), path: PATH }, () => {});
    const runs = await b.runs(PATH, 10);
    expect(runs.map((r) => [r.status, r.source, r.failed_checks])).toEqual([
      ['success', 'app', 0],
      ['failed', 'app', 1],
    ]);
    const d = await b.runDetail(PATH, runs[1].run_id);
    expect(d.params).toEqual({ day: '2024-05-01' });
    expect(d.inputs).toEqual([{ node: 'orders', path: 'orders.csv', bytes: 2048, modified: '2024-05-01 08:00:00' }]);
    expect(d.nodes.map((n) => [n.node, n.status])).toEqual([
      ['orders', 'done'],
      ['valid', 'done'],
      ['out', 'skipped'],
    ]);
    expect(d.checks.map((c) => c.status)).toEqual(['fail']);
    expect(await b.runs(PATH, 1)).toHaveLength(1);
  });
});

async function mount(spec: Spec | null, setup: (b: ReturnType<typeof createMockBackend>) => void = () => {}) {
  const backend = createMockBackend();
  if (spec) {
    backend.files.set(PATH, JSON.stringify(spec));
    backend.initialSpecPath = async () => PATH;
  }
  setup(backend);
  const store = createAppStore();
  const ctrl = createController(backend, store, { checkDelayMs: 0, autosaveDelayMs: 60_000 });
  render(<App store={store} ctrl={ctrl} />);
  await act(async () => {
    await ctrl.init();
  });
  return { backend, store, ctrl };
}

async function openHistory() {
  await act(async () => {
    fireEvent.click(screen.getByTestId('tab-history'));
  });
}

describe('the History tab', () => {
  it('asks to save an unsaved document', async () => {
    const { backend } = await mount(null);
    await openHistory();
    expect(screen.getByTestId('history-empty')).toHaveTextContent('Save the pipeline to keep a history of its runs');
    expect(backend.callsOf('runs')).toHaveLength(0);
    expect(screen.queryByTestId('history-refresh')).toBeNull();
  });

  it('says when a saved document has no runs yet, then lists a run from the app once it finishes', async () => {
    const { backend } = await mount(checkedSpec(), (b) => (b.checkFailures = { valid: 5 }));
    await openHistory();
    await waitFor(() => expect(screen.getByTestId('history-empty')).toHaveTextContent('No runs recorded yet'));
    // (Opening it asked for its last run first, to show on the nodes.)
    expect(backend.callsOf('runs').at(-1)).toEqual({ cmd: 'runs', args: { path: PATH, limit: 100 } });

    await act(async () => {
      fireEvent.click(screen.getByTestId('run-all'));
    });
    // A failed check opens the Checks tab; the history was refreshed all the same when we come back.
    await openHistory();
    const [run] = await backend.runs(PATH, 10);
    const row = await screen.findByTestId(`history-row-${run.run_id}`);
    expect(row).toHaveAttribute('data-status', 'failed');
    expect(row).toHaveTextContent('failed');
    expect(row).toHaveTextContent('app');
    expect(row).toHaveTextContent('1 check failed');
    expect(row).toHaveTextContent(run.started_at);
    expect(screen.getByTestId('history-count')).toHaveTextContent('1 run');
  });

  it('refreshes after a run while the tab is open', async () => {
    const { backend } = await mount(smallSpec());
    await openHistory();
    await waitFor(() => expect(screen.getByTestId('history-empty')).toBeInTheDocument());
    await act(async () => {
      fireEvent.keyDown(window, { key: 'Enter', ctrlKey: true });
    });
    await waitFor(() => expect(screen.getByTestId('history-view')).toBeInTheDocument());
    expect(backend.callsOf('run')).toHaveLength(1);
    expect(backend.callsOf('runs').length).toBeGreaterThanOrEqual(2);
    expect(screen.getAllByRole('row').filter((r) => r.dataset.testid?.startsWith('history-row-'))).toHaveLength(1);
  });

  it('shows a CLI run in full: status, error, params, inputs, nodes and checks', async () => {
    const failed = mockCheckResult('valid', 'check_not_null', { columns: ['email'], mostly: 0.99, samples: 3 }, 1000, 20);
    const cli = mockRunDetail({
      run_id: 'r-cli',
      pipeline: 'checked',
      spec_path: PATH,
      status: 'failed',
      source: 'cli',
      started_at: '2024-05-01 09:30:00',
      finished_at: '2024-05-01 09:30:04',
      params: { day: '2024-05-01', limit: 10 },
      inputs: [{ node: 'orders', path: '/data/orders.csv', bytes: 5_500_000, modified: '2024-04-30 23:59:00' }],
      error: "[E200] node 'out' failed: disk full",
      nodes: [
        { node: 'orders', status: 'done', rows: 1000, ms: 12 },
        { node: 'valid', status: 'done', rows: 1000, ms: 3 },
        { node: 'out', status: 'failed', rows: null, ms: null },
      ],
      checks: [failed],
    });
    const older = mockRunDetail({ run_id: 'r-old', spec_path: PATH, started_at: '2024-04-30 08:00:00', finished_at: '2024-04-30 08:00:01' });
    const { backend } = await mount(checkedSpec(), (b) => b.history.set(PATH, [cli, older]));
    await openHistory();
    const row = await screen.findByTestId('history-row-r-cli');
    expect(row).toHaveTextContent('4.00 s');
    expect(row).toHaveTextContent('cli');
    expect(screen.getByTestId('history-row-r-old')).toHaveTextContent('—');
    expect(screen.queryByTestId('history-detail')).toBeNull();

    await act(async () => {
      fireEvent.click(row);
    });
    const detail = await screen.findByTestId('history-detail');
    expect(backend.callsOf('run_detail').at(-1)).toEqual({ cmd: 'run_detail', args: { path: PATH, run_id: 'r-cli' } });
    expect(row).toHaveAttribute('aria-selected', 'true');
    expect(detail).toHaveAttribute('data-status', 'failed');
    expect(within(detail).getByTestId('history-run-error')).toHaveTextContent('disk full');
    expect(within(detail).getByTestId('history-params')).toHaveTextContent('day');
    expect(within(detail).getByTestId('history-params')).toHaveTextContent('2024-05-01');
    const inputs = within(detail).getByTestId('history-inputs');
    expect(inputs).toHaveTextContent('/data/orders.csv');
    expect(inputs).toHaveTextContent('5.2 MB');
    expect(within(detail).getByTestId('history-node-out')).toHaveAttribute('data-status', 'failed');
    expect(within(detail).getByTestId('history-node-orders')).toHaveTextContent('1,000');
    // The check results render like the Checks tab's, expandable to their samples.
    const checks = within(detail).getByTestId('history-checks');
    const checkRow = within(checks).getByTestId('check-row-valid');
    expect(checkRow).toHaveAttribute('data-status', 'fail');
    fireEvent.click(checkRow);
    expect(within(checks).getByTestId('check-samples-valid')).toBeInTheDocument();

    // Clicking the picked run again closes it.
    await act(async () => {
      fireEvent.click(row);
    });
    expect(screen.queryByTestId('history-detail')).toBeNull();
  });

  it('shows a failure to list the runs with a retry', async () => {
    let fail = true;
    const { backend } = await mount(smallSpec(), (b) => {
      const runs = b.runs;
      b.runs = async (path, limit) => {
        if (fail) throw new Error('history database is locked');
        return runs(path, limit);
      };
      b.history.set(PATH, [mockRunDetail({ run_id: 'r1', spec_path: PATH })]);
    });
    await openHistory();
    expect(await screen.findByTestId('history-error')).toHaveTextContent('history database is locked');
    fail = false;
    await act(async () => {
      fireEvent.click(within(screen.getByTestId('history-error')).getByRole('button', { name: 'Retry' }));
    });
    expect(await screen.findByTestId('history-row-r1')).toBeInTheDocument();
    expect(runListing(backend.history.get(PATH)![0]).ms).toBe(2000);
  });
});

describe('History rows stay one line', () => {
  const css = readFileSync(resolve(__dirname, '../styles/app.css'), 'utf8');
  /** The declarations of the first rule whose selector is exactly `selector`. */
  const rule = (selector: string): string => {
    const m = new RegExp(`(^|\\n)${selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\{([^}]*)\\}`).exec(css);
    if (!m) throw new Error(`no CSS rule ${selector}`);
    return m[2];
  };

  it('each run is a grid row of clipped cells, not a button, and picks with the keyboard', async () => {
    const runs = ['r1', 'r2', 'r3'].map((id, i) =>
      mockRunDetail({ run_id: id, spec_path: PATH, started_at: `2024-05-0${i + 1} 09:30:00`, finished_at: `2024-05-0${i + 1} 09:30:02` }),
    );
    const { backend } = await mount(checkedSpec(), (b) => b.history.set(PATH, runs));
    await openHistory();
    const row = await screen.findByTestId('history-row-r2');
    // A <button>'s box wraps its content in an anonymous box, which is not the grid: cells stacked.
    expect(row.tagName).toBe('DIV');
    expect(row).toHaveAttribute('role', 'row');
    expect(row).toHaveAttribute('tabindex', '0');
    expect(row.querySelector('button')).toBeNull();
    const cells = within(row).getAllByRole('cell');
    expect(cells).toHaveLength(5);
    for (const c of cells) expect(c).toHaveClass('history-cell');
    const head = document.querySelector('.history-head')!;
    expect(head.querySelectorAll('.history-cell')).toHaveLength(5);

    await act(async () => {
      fireEvent.keyDown(row, { key: 'Enter' });
    });
    await screen.findByTestId('history-detail');
    expect(backend.callsOf('run_detail').at(-1)?.args).toEqual({ path: PATH, run_id: 'r2' });
    expect(row).toHaveAttribute('aria-selected', 'true');
  });

  it('the stylesheet fixes a row to one line and clips its cells', () => {
    const row = rule('.history-row');
    expect(row).toMatch(/display: grid;/);
    expect(row).toMatch(/\bheight: 30px;/);
    expect(row).toMatch(/grid-template-rows: 30px;/);
    expect(row).toMatch(/overflow: hidden;/);
    expect(row).toMatch(/flex: none;/);
    expect(row).not.toMatch(/min-height/);
    const cell = rule('.history-cell');
    expect(cell).toMatch(/white-space: nowrap;/);
    expect(cell).toMatch(/overflow: hidden;/);
    expect(cell).toMatch(/text-overflow: ellipsis;/);
    expect(cell).toMatch(/min-width: 0;/);
    expect(rule('.history-list')).toMatch(/flex-direction: column;/);
  });
});
