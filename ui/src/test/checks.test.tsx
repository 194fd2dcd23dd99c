import { describe, expect, it } from 'vitest';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../App';
import { createController } from '../app/controller';
import { createAppStore } from '../store/store';
import { StatusPill } from '../components/FlowNode';
import { formatObserved, formatPercent, sortedChecks } from '../model/checks';
import type { Spec } from '../model/types';
import { createMockBackend, mockCheckResult } from './mockBackend';

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
