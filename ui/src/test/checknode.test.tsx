// A check node keeps its size whatever its verdict says, and the Checks tab's severity badge
// says what the verdict did (a warning reads WARN).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../App';
import { createController } from '../app/controller';
import { createAppStore, StoreContext } from '../store/store';
import { ChecksSummary, ChecksView } from '../components/ChecksView';
import type { CheckResult, Spec } from '../model/types';
import { createMockBackend, mockCheckResult } from './mockBackend';

const css = readFileSync(resolve(__dirname, '../styles/app.css'), 'utf8');
/** The declarations of the first rule whose selector is exactly `selector`. */
function rule(selector: string): string {
  const m = new RegExp(`(^|\\n)${selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\{([^}]*)\\}`).exec(css);
  if (!m) throw new Error(`no CSS rule ${selector}`);
  return m[2];
}

const LONG = `${'a very long explanation of what went wrong, '.repeat(12)}end`;

function spec(): Spec {
  return {
    version: 1,
    name: 'checked',
    nodes: [
      { id: 'orders', kind: 'read_csv', params: { path: 'orders.csv' } },
      { id: 'valid', kind: 'check_not_null', inputs: { input: 'orders' }, params: { columns: ['email'], mostly: 0.99 } },
      { id: 'out', kind: 'write_parquet', inputs: { input: 'valid' }, params: { path: 'o.parquet' } },
    ],
    layout: { orders: { x: 0, y: 0 }, valid: { x: 240, y: 0 }, out: { x: 240, y: 120 } },
  };
}

describe('a check node after a run', () => {
  it('has the same one-line verdict slot before and after, with a long message cut and whole in its title', async () => {
    const backend = createMockBackend();
    backend.files.set('/w/c.sluice.json', JSON.stringify(spec()));
    backend.initialSpecPath = async () => '/w/c.sluice.json';
    backend.checkFailures = { valid: 12 };
    const real = backend.run.bind(backend);
    // The engine's message can be as long as it likes.
    backend.run = (doc, onEvent) => real(doc, (e) => onEvent(e.event === 'check_finished' ? { ...e, message: LONG } : e));
    const store = createAppStore();
    const ctrl = createController(backend, store, { checkDelayMs: 0, autosaveDelayMs: 60_000 });
    render(<App store={store} ctrl={ctrl} />);
    await act(async () => {
      await ctrl.init();
    });
    const node = await screen.findByTestId('node-valid');
    const before = screen.getByTestId('check-line-valid');
    expect(before.className).toBe('fnode-check-msg check-none');
    // (The columns' distribution strip joins every node that ran: not the verdict's doing.)
    const parts = () => [...node.children].filter((c) => !c.classList.contains('fnode-spark')).map((c) => c.className.split(' ')[0]);
    const partsBefore = parts();
    // Only check nodes have it.
    expect(screen.queryByTestId('check-line-orders')).toBeNull();

    await act(async () => {
      fireEvent.click(screen.getByTestId('run-all'));
    });
    await waitFor(() => expect(screen.getByTestId('check-valid')).toHaveTextContent('failed'));
    const after = screen.getByTestId('check-line-valid');
    expect(after.className).toBe('fnode-check-msg check-fail');
    // Nothing was added to the node: the verdict fills the slot that was there.
    expect(parts()).toEqual(partsBefore);
    expect(after).toHaveAttribute('title', LONG);
    const text = screen.getByTestId('check-message-valid');
    expect(text).toHaveClass('fnode-check-text');
    expect(text.textContent).toBe(LONG);
  });

  it('the stylesheet gives the slot one line of fixed height and an ellipsis', () => {
    const slot = rule('.fnode-check-msg');
    expect(slot).toMatch(/\bheight: 22px;/);
    expect(slot).toMatch(/overflow: hidden;/);
    expect(slot).not.toMatch(/line-clamp/);
    const text = rule('.fnode-check-text');
    expect(text).toMatch(/white-space: nowrap;/);
    expect(text).toMatch(/text-overflow: ellipsis;/);
    expect(text).toMatch(/min-width: 0;/);
    // The status row does not wrap to a second line when the badge joins it.
    expect(rule('.fnode-status')).toMatch(/flex-wrap: nowrap;/);
  });
});

function renderChecks(results: CheckResult[]) {
  const store = createAppStore();
  for (const r of results) store.getState().runEvent({ event: 'check_finished', ...r });
  render(
    <StoreContext.Provider value={store}>
      <ChecksSummary />
      <ChecksView />
    </StoreContext.Provider>,
  );
}

describe('severity badges in the Checks tab', () => {
  const base = (node: string, severity: 'error' | 'warn', status: CheckResult['status']): CheckResult => ({
    ...mockCheckResult(node, 'check_drift', { columns: ['a'], severity }, 100, 10),
    severity,
    status,
  });

  it('checks that only warned read WARN under "2 warnings", whatever severity they were given', () => {
    renderChecks([base('drift', 'error', 'warn'), base('nulls', 'warn', 'warn')]);
    expect(screen.getByTestId('checks-summary')).toHaveTextContent('2 warnings');
    for (const id of ['drift', 'nulls']) {
      const badge = within(screen.getByTestId(`check-row-${id}`)).getByTestId(`severity-${id}`);
      expect(badge).toHaveTextContent('warn');
      expect(badge).toHaveClass('sev-warn');
      expect(badge).not.toHaveClass('sev-error');
    }
    expect(screen.getByTestId('severity-drift').title).toMatch(/did not fail/);
  });

  it('a failed error check reads ERROR; a passed one shows its severity, dimmed', () => {
    renderChecks([base('bad', 'error', 'fail'), base('ok', 'error', 'pass'), base('soft', 'warn', 'fail')]);
    expect(screen.getByTestId('severity-bad')).toHaveTextContent('error');
    expect(screen.getByTestId('severity-bad')).toHaveClass('sev-error');
    expect(screen.getByTestId('severity-soft')).toHaveTextContent('warn');
    expect(screen.getByTestId('severity-ok')).toHaveClass('sev-passed');
  });
});
