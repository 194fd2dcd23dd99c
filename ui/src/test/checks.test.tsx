import { describe, expect, it } from 'vitest';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../App';
import { createController } from '../app/controller';
import { createAppStore } from '../store/store';
import { StatusPill } from '../components/FlowNode';
import { ChecksView } from '../components/ChecksView';
import { checkTooltip } from '../components/CheckBadge';
import { driftCondition, driftSummary, formatDistance, formatDriftScore, formatObserved, formatPercent, formatPValue, sortedChecks, sortedDriftDetails } from '../model/checks';
import type { CheckResult, DriftDetail, Spec } from '../model/types';
import { StoreContext } from '../store/store';
import { createMockBackend, mockCheckResult, mockDriftResult } from './mockBackend';

/** orders -> valid (a not-null check) -> out, and an independent branch customers -> cust_out. */
function checkedSpec(severity: 'error' | 'warn' = 'error'): Spec {
  return {
    version: 1,
    name: 'checked',
    nodes: [
      { id: 'orders', kind: 'read_csv', params: { path: 'orders.csv' } },
      { id: 'valid', kind: 'check_not_null', inputs: { input: 'orders' }, params: { columns: ['email'], mostly: 0.99, severity, samples: 3 } },
      { id: 'out', kind: 'write_parquet', inputs: { input: 'valid' }, params: { path: 'o.parquet' } },
      { id: 'customers', kind: 'read_csv', params: { path: 'c.csv' } },
      { id: 'cust_out', kind: 'write_csv', inputs: { input: 'customers' }, params: { path: 'c_out.csv' } },
    ],
    layout: { orders: { x: 0, y: 0 }, valid: { x: 240, y: 0 }, out: { x: 480, y: 0 }, customers: { x: 0, y: 200 }, cust_out: { x: 240, y: 200 } },
  };
}

async function mount(spec: Spec, failures: Record<string, number> = {}) {
  const backend = createMockBackend();
  backend.files.set('/w/checked.sluice.json', JSON.stringify(spec));
  backend.initialSpecPath = async () => '/w/checked.sluice.json';
  backend.checkFailures = failures;
  const store = createAppStore();
  const ctrl = createController(backend, store, { checkDelayMs: 0, autosaveDelayMs: 50 });
  render(<App store={store} ctrl={ctrl} />);
  await act(async () => {
    await ctrl.init();
  });
  await waitFor(() => expect(screen.getByTestId('node-valid')).toBeInTheDocument());
  return { backend, store, ctrl };
}

async function runAll() {
  await act(async () => {
    fireEvent.click(screen.getByTestId('run-all'));
  });
}

describe('check results in the UI', () => {
  it('a passing check wears a "passed" badge next to its normal status', async () => {
    await mount(checkedSpec());
    expect(screen.queryByTestId('check-valid')).toBeNull();
    fireEvent.click(screen.getByTestId('tab-checks'));
    expect(screen.getByText(/One check has no result yet/)).toBeInTheDocument();
    await runAll();
    await waitFor(() => expect(screen.getByTestId('check-valid')).toHaveTextContent('passed'));
    expect(screen.getByTestId('status-valid')).toHaveAttribute('data-state', 'done');
    expect(screen.getByTestId('status-valid')).toHaveClass('pill-done');
    expect(screen.getByTestId('status-out')).toHaveAttribute('data-state', 'done');
    expect(screen.getByTestId('check-row-valid')).toHaveAttribute('data-status', 'pass');
    expect(screen.getByTestId('tab-checks-count')).toHaveTextContent('1');
  });

  it('a failed error check: error state on the node, downstream skipped, Checks tab opened with samples', async () => {
    const { store } = await mount(checkedSpec(), { valid: 12 });
    expect(store.getState().bottomTab).toBe('data');
    await runAll();
    await waitFor(() => expect(store.getState().bottomTab).toBe('checks'));

    // The node.
    expect(screen.getByTestId('check-valid')).toHaveTextContent('failed');
    expect(screen.getByTestId('node-valid')).toHaveClass('has-error');
    expect(screen.getByTestId('status-valid')).toHaveClass('pill-error');
    expect(screen.getByTestId('check-message-valid')).toHaveTextContent('12 of 100 rows have a null in email');
    // Downstream: greyed out, with the reason as the tooltip. The other branch still ran.
    expect(screen.getByTestId('status-out')).toHaveAttribute('data-state', 'skipped');
    expect(screen.getByTestId('status-out')).toHaveAttribute('title', "upstream check 'valid' failed");
    expect(screen.getByTestId('node-out')).toHaveClass('skipped');
    expect(screen.getByTestId('status-cust_out')).toHaveAttribute('data-state', 'done');
    expect(screen.getAllByTestId('toast').some((t) => /1 check failed/.test(t.textContent ?? ''))).toBe(true);

    // The tab: its badge, the row, and the samples behind a click.
    expect(screen.getByTestId('tab-checks')).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByTestId('tab-checks-count')).toHaveTextContent('1');
    expect(screen.getByTestId('tab-checks-count')).toHaveClass('bad');
    const row = screen.getByTestId('check-row-valid');
    expect(row).toHaveAttribute('data-status', 'fail');
    expect(row).toHaveTextContent('email not null (mostly 0.99)');
    expect(row).toHaveTextContent('0.88');
    expect(row).toHaveTextContent('>= 0.99');
    expect(row).toHaveTextContent('12 of 100 rows (12.0%)');
    expect(row).toHaveTextContent('error');
    expect(screen.queryByTestId('check-samples-valid')).toBeNull();
    fireEvent.click(row);
    const samples = screen.getByTestId('check-samples-valid');
    expect(within(samples).getAllByRole('row')).toHaveLength(1 + 3); // header + `samples: 3`
    expect(within(samples).getByText('email')).toBeInTheDocument();
    expect(screen.getByText(/a sample of 12/)).toBeInTheDocument();
    fireEvent.click(row);
    expect(screen.queryByTestId('check-samples-valid')).toBeNull();

    // The node id in the row selects the node.
    fireEvent.click(within(row).getByRole('button', { name: 'valid' }));
    expect(store.getState().selection).toEqual(['valid']);

    // The run log lists the verdict and the skip.
    fireEvent.click(screen.getByTestId('tab-log'));
    const log = screen.getByTestId('run-log');
    expect(within(log).getByText(/check failed: email not null/)).toBeInTheDocument();
    expect(within(log).getByText(/skipped: upstream check 'valid' failed/)).toBeInTheDocument();
    expect(within(log).getByText(/Run failed/)).toBeInTheDocument();
  });

  it('a failed warn check shows the warning state and the run goes on', async () => {
    const { store } = await mount(checkedSpec('warn'), { valid: 5 });
    await runAll();
    await waitFor(() => expect(screen.getByTestId('check-valid')).toHaveTextContent('warning'));
    expect(screen.getByTestId('node-valid')).toHaveClass('has-warn');
    expect(screen.getByTestId('status-valid')).toHaveClass('pill-warn');
    expect(screen.getByTestId('status-out')).toHaveAttribute('data-state', 'done');
    // Warnings badge the tab but do not pull the user away from what they were looking at.
    expect(store.getState().bottomTab).toBe('data');
    expect(screen.getByTestId('tab-checks-count')).toHaveClass('warn');
    fireEvent.click(screen.getByTestId('tab-checks'));
    expect(screen.getByTestId('check-row-valid')).toHaveAttribute('data-status', 'warn');
    expect(screen.getByTestId('checks-summary')).toHaveTextContent('1 warning');
  });

  it('a new run clears the last verdicts', async () => {
    const { backend } = await mount(checkedSpec(), { valid: 12 });
    await runAll();
    await waitFor(() => expect(screen.getByTestId('check-valid')).toHaveTextContent('failed'));
    backend.checkFailures = {};
    await runAll();
    await waitFor(() => expect(screen.getByTestId('check-valid')).toHaveTextContent('passed'));
    expect(screen.getByTestId('status-out')).toHaveAttribute('data-state', 'done');
    expect(screen.queryByTestId('check-message-valid')).toBeNull();
  });

  it('takes verdicts from the run summary when the stream did not deliver them', async () => {
    const { backend, store } = await mount(checkedSpec(), {});
    const real = backend.run;
    // An engine that only streams node events: the summary still carries the checks.
    backend.run = (doc, onEvent) => real(doc, (e) => e.event !== 'check_finished' && onEvent(e));
    await runAll();
    await waitFor(() => expect(store.getState().checkResults.valid?.status).toBe('pass'));
    expect(screen.getByTestId('check-valid')).toHaveTextContent('passed');
  });
});

describe('status pill with a check verdict', () => {
  it('skipped, failed and warned checks', () => {
    const fail = mockCheckResult('n', 'check_not_null', { columns: ['a'] }, 10, 2);
    const warn = mockCheckResult('n', 'check_not_null', { columns: ['a'], severity: 'warn' }, 10, 2);
    const { rerender } = render(<StatusPill id="n" status={{ state: 'skipped', reason: 'upstream failed' }} diags={[]} />);
    expect(screen.getByTestId('status-n')).toHaveTextContent('skipped');
    expect(screen.getByTestId('status-n')).toHaveAttribute('title', 'upstream failed');
    rerender(<StatusPill id="n" status={{ state: 'done', rows: 10, ms: 3 }} diags={[]} check={fail} />);
    expect(screen.getByTestId('status-n')).toHaveClass('pill-error');
    expect(screen.getByTestId('status-n')).toHaveTextContent('10 · 3 ms');
    expect(screen.getByTestId('status-n').getAttribute('title')).toContain('2 of 10 rows have a null in a');
    rerender(<StatusPill id="n" status={{ state: 'done', rows: 10, ms: 3 }} diags={[]} check={warn} />);
    expect(screen.getByTestId('status-n')).toHaveClass('pill-warn');
  });
});

describe('check formatting', () => {
  it('orders worst first and keeps near-misses visible', () => {
    const r = (node: string, status: 'pass' | 'fail' | 'warn') => ({ ...mockCheckResult(node, 'k', {}, 10, 0), status });
    const order = sortedChecks({ a: r('a', 'pass'), b: r('b', 'warn'), c: r('c', 'fail'), d: r('d', 'pass'), e: r('e', 'fail') });
    expect(order.map((x) => x.node)).toEqual(['c', 'e', 'b', 'a', 'd']);
    expect(formatObserved(0.99999)).toBe('0.99999');
    expect(formatObserved(48213)).toBe('48,213');
    expect(formatObserved(null)).toBe('—');
    expect(formatPercent(0.004)).toBe('<0.01%');
    expect(formatPercent(99.999)).toBe('>99.99%');
    expect(formatPercent(1.8)).toBe('1.80%');
    expect(formatPercent(0)).toBe('0%');
  });
});

/** orders (current) and last_month (reference) -> drift (check_drift) -> out. */
function driftSpec(severity: 'error' | 'warn' = 'error'): Spec {
  return {
    version: 1,
    name: 'drifting',
    nodes: [
      { id: 'orders', kind: 'read_csv', params: { path: 'orders.csv' } },
      { id: 'last_month', kind: 'read_csv', params: { path: 'orders_prev.csv' } },
      { id: 'drift', kind: 'check_drift', inputs: { input: 'orders', reference: 'last_month' }, params: { drift_share: 0.5, severity } },
      { id: 'out', kind: 'write_parquet', inputs: { input: 'drift' }, params: { path: 'o.parquet' } },
    ],
    layout: { orders: { x: 0, y: 0 }, last_month: { x: 0, y: 200 }, drift: { x: 240, y: 0 }, out: { x: 480, y: 0 } },
  };
}

const detail = (column: string, over: Partial<DriftDetail> = {}): DriftDetail => ({
  column,
  column_type: 'num',
  method: 'ks',
  score: 0.5,
  score_type: 'p_value',
  threshold: 0.05,
  drifted: false,
  reference_rows: 5000,
  current_rows: 1200,
  ...over,
});

function renderChecks(results: CheckResult[]) {
  const store = createAppStore();
  for (const r of results) store.getState().runEvent({ event: 'check_finished', ...r });
  render(
    <StoreContext.Provider value={store}>
      <ChecksView />
    </StoreContext.Provider>,
  );
  return store;
}

describe('drift check details', () => {
  it('a drift run: "2 of 4 columns drifted", and the per-column table with drifted columns first', async () => {
    const backend = createMockBackend();
    backend.files.set('/w/drift.sluice.json', JSON.stringify(driftSpec()));
    backend.initialSpecPath = async () => '/w/drift.sluice.json';
    backend.checkFailures = { drift: 2 };
    const store = createAppStore();
    const ctrl = createController(backend, store, { checkDelayMs: 0, autosaveDelayMs: 50 });
    render(<App store={store} ctrl={ctrl} />);
    await act(async () => {
      await ctrl.init();
    });
    await waitFor(() => expect(screen.getByTestId('node-drift')).toBeInTheDocument());
    // The catalog fixture gives the kind its two ports.
    expect(screen.getByTestId('handle-in-drift-input')).toBeInTheDocument();
    expect(screen.getByTestId('handle-in-drift-reference')).toBeInTheDocument();
    await runAll();
    await waitFor(() => expect(store.getState().bottomTab).toBe('checks'));
    expect(screen.getByTestId('check-drift')).toHaveTextContent('failed');
    expect(screen.getByTestId('status-out')).toHaveAttribute('data-state', 'skipped');

    const row = screen.getByTestId('check-row-drift');
    expect(row).toHaveAttribute('data-status', 'fail');
    expect(row).toHaveTextContent('2 of 4 columns drifted');
    expect(row.querySelector('.check-observed')).toHaveAttribute('title', 'observed 2 of 4 columns drifted (share 0.5), expected drifted share < 0.5');
    expect(screen.queryByTestId('check-details-drift')).toBeNull();
    fireEvent.click(row);
    expect(screen.queryByTestId('check-samples-drift')).toBeNull();
    expect(screen.queryByText('This check reports no sample rows.')).toBeNull();
    const table = screen.getByTestId('check-details-drift');
    const rows = within(table).getAllByTestId(/^drift-row-drift-/);
    // The engine listed amount, country, age, channel; age and channel drifted.
    expect(rows.map((r) => r.getAttribute('data-testid'))).toEqual(['drift-row-drift-age', 'drift-row-drift-channel', 'drift-row-drift-amount', 'drift-row-drift-country']);
    expect(rows.map((r) => r.getAttribute('data-drifted'))).toEqual(['true', 'true', 'false', 'false']);
    // Each column's baseline-vs-current chart, in the verdict's colour when it drifted.
    expect(rows.map((r) => r.querySelector('svg.drift-overlay')?.getAttribute('class'))).toEqual([
      'drift-overlay drift-fail',
      'drift-overlay drift-fail',
      'drift-overlay drift-stable',
      'drift-overlay drift-stable',
    ]);
    expect(screen.getByTestId('drift-chart-drift-age').querySelectorAll('rect')).toHaveLength(6);

    const age = screen.getByTestId('drift-row-drift-age');
    expect(age).toHaveTextContent('numeric');
    expect(age).toHaveTextContent('Wasserstein');
    expect(age).toHaveTextContent('0.2346'); // 4 significant digits
    expect(age).toHaveTextContent('≥ 0.1');
    expect(age).toHaveTextContent('drifted');
    const amount = screen.getByTestId('drift-row-drift-amount');
    expect(amount).toHaveTextContent('KS');
    expect(amount).toHaveTextContent('p = 0.412');
    expect(amount).toHaveTextContent('p ≤ 0.05');
    expect(amount).toHaveTextContent('stable');
    // Reference rows come from `reference` (last_month: 200 in the mock), current rows from `input` (orders: 100).
    const cells = within(amount).getAllByRole('cell').map((c) => c.textContent);
    expect(cells.slice(5, 7)).toEqual(['200', '100']);
    const country = screen.getByTestId('drift-row-drift-country');
    expect(country).toHaveTextContent('categorical');
    expect(country).toHaveTextContent('Chi-square');
    expect(country).toHaveTextContent('p < 0.05');
    expect(screen.getByText('2 of 4 columns drifted', { selector: '.check-detail-title' })).toBeInTheDocument();

    // The node badge's tooltip says it the same way.
    expect(screen.getByTestId('check-drift').getAttribute('title')).toContain('observed 2 of 4 columns drifted (share 0.5) · expected drifted share < 0.5');
  });

  it('a passing drift check with one drifted column stays a pass and still lists the column', async () => {
    renderChecks([mockDriftResult('d', {}, 1000, 900, 1)]);
    const row = screen.getByTestId('check-row-d');
    expect(row).toHaveAttribute('data-status', 'pass');
    expect(row).toHaveTextContent('1 of 4 columns drifted');
    fireEvent.click(row);
    const first = within(screen.getByTestId('check-details-d')).getAllByTestId(/^drift-row-d-/)[0];
    expect(first).toHaveAttribute('data-testid', 'drift-row-d-channel');
    expect(first).toHaveAttribute('data-drifted', 'true');
    expect(first).toHaveTextContent('Jensen-Shannon');
    expect(within(first).getByText('900')).toBeInTheDocument();
    expect(within(first).getByText('1,000')).toBeInTheDocument();
  });

  it('shows p-values, per-column errors, and z / psi comparisons', () => {
    const r: CheckResult = {
      ...mockDriftResult('d', {}, 1200, 5000, 0),
      status: 'fail',
      observed: 0.5,
      details: [
        detail('price', { score: 0.42 }),
        detail('segment', { column_type: 'cat', method: 'z', score: 0.0000595, drifted: true }),
        detail('notes', { column_type: 'cat', method: 'chisquare', score: null, error: 'reference column notes is all null' }),
        detail('score', { method: 'psi', score_type: 'distance', score: 0.31234, threshold: 0.1, drifted: true }),
      ],
    };
    renderChecks([r]);
    expect(screen.getByTestId('check-row-d')).toHaveTextContent('2 of 4 columns drifted');
    fireEvent.click(screen.getByTestId('check-row-d'));
    const rows = within(screen.getByTestId('check-details-d')).getAllByTestId(/^drift-row-d-/);
    // Drifted first, then the column whose test failed, then the stable one.
    expect(rows.map((x) => x.getAttribute('data-testid'))).toEqual(['drift-row-d-segment', 'drift-row-d-score', 'drift-row-d-notes', 'drift-row-d-price']);
    const segment = screen.getByTestId('drift-row-d-segment');
    expect(segment).toHaveTextContent('Z-test');
    expect(segment).toHaveTextContent('p = 5.95e-5');
    expect(segment).toHaveTextContent('p < 0.05');
    expect(segment.querySelector('.drift-mark')).toHaveClass('check-fail');
    const psi = screen.getByTestId('drift-row-d-score');
    expect(psi).toHaveTextContent('PSI');
    expect(psi).toHaveTextContent('0.3123');
    expect(psi).toHaveTextContent('≥ 0.1');
    const notes = screen.getByTestId('drift-row-d-notes');
    expect(notes).toHaveAttribute('data-drifted', 'false');
    expect(notes).toHaveTextContent('—');
    expect(notes).toHaveTextContent('error');
    expect(screen.getByTestId('drift-error-d-notes')).toHaveTextContent('reference column notes is all null');
    expect(screen.getByTestId('drift-row-d-price')).toHaveTextContent('stable');
    expect(screen.getByTestId('drift-row-d-price')).toHaveTextContent('5,000');
  });

  it('results without details keep the observed-vs-threshold cell', () => {
    renderChecks([mockCheckResult('nn', 'check_not_null', { columns: ['a'], mostly: 0.9 }, 10, 2)]);
    const row = screen.getByTestId('check-row-nn');
    expect(row).toHaveTextContent('0.8');
    expect(row).toHaveTextContent('>= 0.9');
    expect(row).not.toHaveTextContent('drifted');
    fireEvent.click(row);
    expect(screen.queryByTestId('check-details-nn')).toBeNull();
    expect(screen.getByTestId('check-samples-nn')).toBeInTheDocument();
  });
});

describe('drift formatting', () => {
  it('p-values: 3 significant digits, scientific below 1e-4', () => {
    expect(formatPValue(0.41234)).toBe('0.412');
    expect(formatPValue(0.05)).toBe('0.05');
    expect(formatPValue(0.000123456)).toBe('0.000123');
    expect(formatPValue(0.0000595)).toBe('5.95e-5');
    expect(formatPValue(1e-12)).toBe('1e-12');
    expect(formatPValue(0)).toBe('0');
    expect(formatPValue(1)).toBe('1');
  });

  it('distances: 4 significant digits', () => {
    expect(formatDistance(0.123456)).toBe('0.1235');
    expect(formatDistance(12.34567)).toBe('12.35');
    expect(formatDistance(0)).toBe('0');
  });

  it('scores, comparisons, ordering and the summary', () => {
    expect(formatDriftScore(detail('a', { score: 0.0000595 }))).toBe('p = 5.95e-5');
    expect(formatDriftScore(detail('a', { score: null }))).toBe('—');
    expect(formatDriftScore(detail('a', { score_type: 'distance', method: 'wasserstein', score: 0.1 }))).toBe('0.1');
    expect(driftCondition(detail('a', { method: 'ks' }))).toBe('p ≤ 0.05');
    expect(driftCondition(detail('a', { method: 'chisquare' }))).toBe('p < 0.05');
    expect(driftCondition(detail('a', { method: 'z', threshold: 0.01 }))).toBe('p < 0.01');
    for (const method of ['wasserstein', 'psi', 'jensenshannon'])
      expect(driftCondition(detail('a', { method, score_type: 'distance', threshold: 0.1 }))).toBe('≥ 0.1');
    const order = sortedDriftDetails([detail('a'), detail('b', { drifted: true }), detail('c', { error: 'x', score: null }), detail('d', { drifted: true })]);
    expect(order.map((d) => d.column)).toEqual(['b', 'd', 'c', 'a']);
    const base = mockCheckResult('n', 'k', {}, 10, 0);
    expect(driftSummary(base)).toBeNull();
    expect(driftSummary({ ...base, details: [] })).toBeNull();
    expect(driftSummary({ ...base, details: [detail('a', { drifted: true })] })?.text).toBe('1 of 1 column drifted');
    expect(checkTooltip(base)).toContain('observed 1 · expected >= 1');
  });
});
