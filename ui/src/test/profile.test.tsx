import { describe, expect, it } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { PROFILE_SAMPLE_ROWS } from '../app/controller';
import { BackendError } from '../platform/backend';
import { columnStats, distinctText, formatNumber, formatValue, quantileLabel } from '../model/profile';
import { mockProfile, type MockBackend } from './mockBackend';
import { mountApp } from './mount';

async function mount(setup: (b: MockBackend) => void = () => {}) {
  const app = await mountApp(setup);
  act(() => app.store.getState().select(['keep']));
  return app;
}

async function openProfileTab() {
  await act(async () => {
    fireEvent.click(screen.getByTestId('tab-profile'));
  });
}

/** The value a column's statistics block shows under `label`, or null when it has none. */
function stat(column: string, label: string): string | null {
  const block = screen.getByTestId(`profile-stats-${column}`);
  const dt = Array.from(block.querySelectorAll('dt')).find((d) => d.textContent === label);
  return dt ? (dt.nextElementSibling?.textContent ?? null) : null;
}

function quantiles(column: string): string[] {
  const row = screen.getByTestId(`profile-stats-${column}`).querySelector('.pstats-q');
  return row ? Array.from(row.querySelectorAll('.pstats-qcell')).map((c) => c.textContent ?? '') : [];
}

const profileArgs = (b: MockBackend) => b.callsOf('profile').map((c) => c.args as { node: string; sample: number | null });

describe('number formats of the Profile tab', () => {
  it('groups thousands and keeps 4 significant decimals', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(1234.56789)).toBe('1,234.5679');
    expect(formatNumber(48.7)).toBe('48.7');
    expect(formatNumber(-12.5)).toBe('-12.5');
    expect(formatNumber(0.0123456)).toBe('0.01235');
    expect(formatNumber(0.000012346)).toBe('1.235e-5');
    expect(formatNumber(2e20)).toBe('2e20');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatValue(null)).toBe('—');
    expect(formatValue(true)).toBe('true');
    expect(formatValue('2024-01-01 00:00:00')).toBe('2024-01-01 00:00:00');
    expect(formatValue(10000.5)).toBe('10,000.5');
    expect([0.01, 0.05, 0.5, 0.999].map(quantileLabel)).toEqual(['p1', 'p5', 'p50', 'p99.9']);
    expect(distinctText({ distinct: 12345, distinct_approx: true })).toBe('~12,345');
    expect(distinctText({ distinct: 12345, distinct_approx: false })).toBe('12,345');
  });

  it('numeric columns have every statistic; temporal and categorical only those that apply', () => {
    const [id, name, , created] = mockProfile('n', 100).columns;
    const keys = (c: typeof id) => columnStats(c).map((s) => s.key);
    expect(keys(id)).toEqual(['count', 'nulls', 'distinct', 'min', 'max', 'mean', 'std', 'zeros', 'negatives']);
    expect(keys(name)).toEqual(['count', 'nulls', 'distinct', 'min', 'max']);
    expect(keys(created)).toEqual(['count', 'nulls', 'distinct', 'min', 'max']);
  });
});

describe('the Profile tab', () => {
  it('profiles the selected node on opening and shows each column\'s chart and statistics', async () => {
    const { backend, store } = await mount();
    fireEvent.click(screen.getByTestId('tab-profile'));
    // Loading, before the answer.
    expect(screen.getByTestId('profile-loading')).toHaveTextContent('Profiling keep (all rows)…');
    expect(screen.getByTestId('profile-btn')).toBeDisabled();
    await screen.findByTestId('profile-stats-amount');
    expect(profileArgs(backend)).toEqual([expect.objectContaining({ node: 'keep', sample: null })]);
    expect(screen.getByTestId('profile')).toHaveAttribute('data-source', 'profile');
    expect(screen.getByTestId('profile-source')).toHaveTextContent('from the profile');
    expect(screen.getByTestId('profile-coverage')).toHaveTextContent('all 1,234 rows profiled');
    expect(screen.getByTestId('profile-coverage')).toHaveAttribute('data-sampled', 'false');
    expect(screen.getByTestId('profile-btn')).toHaveTextContent('Refresh');

    // Numeric: every statistic, formatted.
    expect(stat('amount', 'count')).toBe('1,219');
    expect(stat('amount', 'nulls')).toBe('15 (1.22%)');
    expect(stat('amount', 'distinct')).toBe('1,061');
    expect(stat('amount', 'min')).toBe('-12.5');
    expect(stat('amount', 'max')).toBe('1,999.99');
    expect(stat('amount', 'mean')).toBe('48.7321');
    expect(stat('amount', 'std')).toBe('31.4159');
    expect(stat('amount', 'zeros')).toBe('5');
    expect(stat('amount', 'negatives')).toBe('26');
    expect(quantiles('amount')).toEqual(['p1-3.25', 'p52.5', 'p2521.75', 'p5044.1', 'p7569.9', 'p95112.3456', 'p99180.05']);
    expect(stat('id', 'distinct')).toBe('1,234'); // exact: no "~"
    expect(stat('id', 'mean')).toBe('617.5');
    // Categorical: an estimated distinct count reads "~"; no mean, std, quantiles, zeros.
    expect(stat('name', 'distinct')).toBe('~42');
    expect(stat('name', 'nulls')).toBe('176 (14.3%)');
    expect(stat('name', 'min')).toBe('Aachen');
    for (const l of ['mean', 'std', 'zeros', 'negatives']) expect(stat('name', l)).toBeNull();
    expect(quantiles('name')).toEqual([]);
    // Temporal: the range, no moments.
    expect(stat('created_at', 'min')).toBe('2023-01-01 00:04:12');
    expect(stat('created_at', 'max')).toBe('2024-06-30 23:51:08');
    expect(stat('created_at', 'mean')).toBeNull();
    expect(quantiles('created_at')).toEqual([]);
    // Each column keeps its chart.
    expect(within(screen.getByTestId('profile')).getAllByRole('img', { name: /^Histogram of / })).toHaveLength(4);
    // The node's strip and row count follow.
    expect(screen.getByTestId('hists-keep')).toHaveAttribute('data-source', 'profile');
    expect(store.getState().status.keep).toMatchObject({ state: 'done', rows: 1234 });

    // A current profile is not asked for again on reopening.
    fireEvent.click(screen.getByTestId('tab-data'));
    await openProfileTab();
    expect(profileArgs(backend)).toHaveLength(1);
  });

  it('the sample toggle profiles 100k rows and says "sampled"', async () => {
    const { backend } = await mount((b) => {
      b.profileRows = 2_500_000;
    });
    await openProfileTab();
    await screen.findByTestId('profile-stats-id');
    expect(screen.getByTestId('profile-coverage')).toHaveTextContent('all 2,500,000 rows profiled');
    const toggle = screen.getByTestId('profile-sample-toggle');
    expect(toggle).toHaveAttribute('aria-checked', 'false');
    fireEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-checked', 'true');
    expect(profileArgs(backend)).toHaveLength(1); // toggling alone does not profile
    await act(async () => {
      fireEvent.click(screen.getByTestId('profile-btn'));
    });
    await waitFor(() => expect(screen.getByTestId('profile-coverage')).toHaveAttribute('data-sampled', 'true'));
    expect(profileArgs(backend)[1]).toMatchObject({ node: 'keep', sample: PROFILE_SAMPLE_ROWS });
    expect(screen.getByTestId('profile-coverage')).toHaveTextContent('sampled 100,000 of 2,500,000 rows');
    expect(stat('id', 'count')).toBe('100,000');
    expect(screen.getByTestId('profile-stats-id')).toHaveAttribute('title', 'Of a sample of 100,000 rows.');
  });

  it('shows a failure in the tab with a retry, and does not retry on its own', async () => {
    let fail = true;
    const { backend, store } = await mount((b) => {
      const ok = b.profile.bind(b);
      b.profile = async (a) => {
        if (!fail) return ok(a);
        b.calls.push({ cmd: 'profile', args: a });
        throw new BackendError({ code: 'E200', message: "node 'src' failed: a.csv: no such file", node: 'src' });
      };
    });
    await openProfileTab();
    const err = await screen.findByTestId('profile-error');
    expect(err).toHaveTextContent("Profiling keep failed in src: node 'src' failed: a.csv: no such file E200");
    expect(store.getState().status.src).toMatchObject({ state: 'error', code: 'E200' });
    expect(screen.queryByTestId('profile')).toBeNull();
    fireEvent.click(screen.getByTestId('tab-data'));
    await openProfileTab();
    expect(profileArgs(backend)).toHaveLength(1);

    fail = false;
    await act(async () => {
      fireEvent.click(within(screen.getByTestId('profile-error')).getByRole('button', { name: 'Retry' }));
    });
    await screen.findByTestId('profile-stats-amount');
    expect(screen.queryByTestId('profile-error')).toBeNull();
  });

  it('a failure over charts from a run shows above them', async () => {
    const { backend } = await mount();
    await act(async () => {
      fireEvent.click(screen.getByTestId('run-all'));
    });
    backend.profile = async () => {
      throw new BackendError({ code: 'E201', message: 'out of memory' });
    };
    await openProfileTab();
    const profile = await screen.findByTestId('profile');
    expect(profile).toHaveAttribute('data-source', 'run');
    expect(within(profile).getByTestId('profile-error')).toHaveTextContent('Profiling keep failed: out of memory E201');
    expect(screen.queryByTestId('profile-stats-id')).toBeNull();
  });

  it('an edit makes the profile stale; reopening the tab profiles it again', async () => {
    const { backend, store } = await mount();
    await openProfileTab();
    await screen.findByTestId('profile-stats-amount');
    act(() => store.getState().setParams('keep', { predicate: 'x > 5' }));
    expect(screen.getByTestId('profile-coverage')).toHaveTextContent('all 1,234 rows profiled · stale');
    expect(screen.getByTestId('profile-stats-amount')).toHaveClass('stale');
    expect(profileArgs(backend)).toHaveLength(1); // edits do not profile
    fireEvent.click(screen.getByTestId('tab-data'));
    await openProfileTab();
    await waitFor(() => expect(screen.getByTestId('profile-coverage')).not.toHaveTextContent('stale'));
    expect(profileArgs(backend)).toHaveLength(2);
  });

  it('a profile follows a rename and goes with its node', async () => {
    const { store } = await mount();
    await openProfileTab();
    await screen.findByTestId('profile-stats-amount');
    act(() => {
      store.getState().renameNode('keep', 'big');
    });
    expect(screen.getByTestId('profile-stats-amount')).not.toHaveClass('stale');
    expect(store.getState().profiles.big.profile.node).toBe('big');
    act(() => store.getState().deleteNodes(['big']));
    expect(store.getState().profiles).toEqual({});
    expect(screen.queryByTestId('profile')).toBeNull();
  });
});
