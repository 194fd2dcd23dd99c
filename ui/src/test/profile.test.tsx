import { describe, expect, it } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { PROFILE_EXACT_MAX_ROWS, PROFILE_SAMPLE_ROWS, knownRows, profileSamples } from '../app/controller';
import { createAppStore } from '../store/store';
import { BackendError } from '../platform/backend';
import { columnStats, distinctText, formatNumber, formatValue, quantileLabel } from '../model/profile';
import { mockProfile, type MockBackend } from './mockBackend';
import { smallSpec } from './helpers';
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

/** Runs report `rows` rows for `keep` (and profiles see as many). */
function largeKeep(b: MockBackend, rows: number) {
  b.profileRows = rows;
  const run = b.run.bind(b);
  b.run = (doc, onEvent) => run(doc, (e) => onEvent(e.event === 'node_finished' && e.node === 'keep' ? { ...e, rows } : e));
}

async function runAll() {
  await act(async () => {
    fireEvent.click(screen.getByTestId('run-all'));
  });
}

describe('profiling large nodes', () => {
  it('samples first when the row count is known and large, and decides by the toggle otherwise', () => {
    const store = createAppStore();
    store.getState().loadDocument(smallSpec(), null);
    const s = () => store.getState();
    expect(knownRows(s(), 'keep')).toBeNull();
    expect(profileSamples(s(), 'keep')).toBe(false); // unknown: exact, as the toggle says
    store.setState({ status: { keep: { state: 'done', rows: PROFILE_EXACT_MAX_ROWS, ms: 1 } } });
    expect(profileSamples(s(), 'keep')).toBe(false); // at the threshold: exact
    store.setState({ status: { keep: { state: 'stale', rows: PROFILE_EXACT_MAX_ROWS + 1, ms: 1 } } });
    expect(knownRows(s(), 'keep')).toBe(PROFILE_EXACT_MAX_ROWS + 1);
    expect(profileSamples(s(), 'keep')).toBe(true);
    // A current exact profile is refreshed exactly; a stale one is not kept exact.
    const exact = { profile: mockProfile('keep', 2_000_000), sample: null, at: 1, stale: false };
    store.setState({ profiles: { keep: exact } });
    expect(profileSamples(s(), 'keep')).toBe(false);
    store.setState({ profiles: { keep: { ...exact, stale: true } } });
    expect(profileSamples(s(), 'keep')).toBe(true);
    // The toggle samples whatever the size.
    store.setState({ status: {}, profiles: {}, profileSample: true });
    expect(profileSamples(s(), 'keep')).toBe(true);
  });

  it('a node known to be large is profiled on a sample, labelled, and "Profile all rows" profiles it exactly', async () => {
    let release: (() => void) | null = null;
    const { backend, store } = await mount((b) => {
      largeKeep(b, 12_345_678);
      const answer = b.profile.bind(b);
      b.profile = async (a) => {
        const p = await answer(a); // logs the call
        if (a.sample === null) await new Promise<void>((r) => (release = r));
        return p;
      };
    });
    await runAll();
    expect(store.getState().status.keep).toMatchObject({ state: 'done', rows: 12_345_678 });
    await openProfileTab();
    await screen.findByTestId('profile-stats-id');
    expect(profileArgs(backend)).toEqual([expect.objectContaining({ node: 'keep', sample: PROFILE_SAMPLE_ROWS })]);
    const label = screen.getByTestId('profile-sampled');
    expect(label).toHaveTextContent('Sampled: 100,000 of 12,345,678 rows — statistics are estimates');
    expect(screen.getByTestId('profile-coverage')).toHaveAttribute('data-sampled', 'true');
    expect(stat('id', 'count')).toBe('100,000');

    // The exact profile: the sampled one stays shown, with a spinner, until it comes.
    await act(async () => {
      fireEvent.click(within(label).getByRole('button', { name: 'Profile all rows' }));
    });
    expect(profileArgs(backend)[1]).toMatchObject({ node: 'keep', sample: null });
    expect(screen.getByTestId('profile-exact')).toBeDisabled();
    expect(screen.getByTestId('profile-exact')).toHaveTextContent('Profiling all rows…');
    expect(screen.getByTestId('profile-exact').querySelector('.spinner')).not.toBeNull();
    expect(screen.getByTestId('profile-btn').querySelector('.spinner')).not.toBeNull();
    expect(screen.getByTestId('profile-btn')).toBeDisabled();
    expect(stat('id', 'count')).toBe('100,000');
    await act(async () => {
      release!();
    });
    await waitFor(() => expect(screen.queryByTestId('profile-sampled')).toBeNull());
    expect(screen.getByTestId('profile-coverage')).toHaveTextContent('all 12,345,678 rows profiled');
    expect(stat('id', 'count')).toBe('12,345,678');

    // Reopening the tab keeps the exact profile; Refresh profiles exactly again.
    fireEvent.click(screen.getByTestId('tab-data'));
    await openProfileTab();
    expect(profileArgs(backend)).toHaveLength(2);
    await act(async () => {
      fireEvent.click(screen.getByTestId('profile-btn'));
    });
    expect(profileArgs(backend)[2]).toMatchObject({ sample: null });
    await act(async () => {
      release!();
    });
    await waitFor(() => expect(screen.getByTestId('profile-btn')).not.toBeDisabled());
    expect(screen.queryByTestId('profile-sampled')).toBeNull();

    // Once the node changed, reopening the tab samples it first again.
    act(() => store.getState().setParams('keep', { predicate: 'x > 5' }));
    fireEvent.click(screen.getByTestId('tab-data'));
    await openProfileTab();
    await screen.findByTestId('profile-sampled');
    expect(profileArgs(backend)[3]).toMatchObject({ sample: PROFILE_SAMPLE_ROWS });
  });

  it('a row count from a preview counts too', async () => {
    const { backend } = await mount((b) => {
      b.profileRows = 5_000_000;
      const preview = b.preview.bind(b);
      b.preview = async (a) => ({ ...(await preview(a)), total_rows: 5_000_000 });
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId('tab-data'));
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId('preview-empty'));
    });
    await openProfileTab();
    await screen.findByTestId('profile-sampled');
    expect(profileArgs(backend)).toEqual([expect.objectContaining({ sample: PROFILE_SAMPLE_ROWS })]);
    expect(screen.getByTestId('profile-sampled')).toHaveTextContent('Sampled: 100,000 of 5,000,000 rows');
  });

  it('a small node is profiled exactly, without the label', async () => {
    const { backend, store } = await mount();
    await runAll();
    expect(store.getState().status.keep).toMatchObject({ state: 'done', rows: 300 });
    await openProfileTab();
    await screen.findByTestId('profile-stats-id');
    expect(profileArgs(backend)).toEqual([expect.objectContaining({ node: 'keep', sample: null })]);
    expect(screen.queryByTestId('profile-sampled')).toBeNull();
    expect(screen.getByTestId('profile-coverage')).toHaveAttribute('data-sampled', 'false');
  });

  it('the toggle still samples every profile, small nodes too', async () => {
    const { backend, store } = await mount();
    await runAll();
    expect(store.getState().status.keep).toMatchObject({ state: 'done', rows: 300 });
    act(() => store.getState().setProfileSample(true));
    await openProfileTab();
    await screen.findByTestId('profile-stats-id');
    expect(profileArgs(backend)).toEqual([expect.objectContaining({ node: 'keep', sample: PROFILE_SAMPLE_ROWS })]);
    // The sample covered every row: nothing is estimated.
    expect(screen.queryByTestId('profile-sampled')).toBeNull();
  });

  it('with the toggle on, "Profile all rows" profiles exactly once; Refresh samples again', async () => {
    const { backend, store } = await mount((b) => {
      b.profileRows = 2_500_000; // not known before profiling
    });
    act(() => store.getState().setProfileSample(true));
    await openProfileTab();
    await screen.findByTestId('profile-sampled');
    expect(screen.getByTestId('profile-sampled')).toHaveTextContent('Sampled: 100,000 of 2,500,000 rows');
    await act(async () => {
      fireEvent.click(screen.getByTestId('profile-exact'));
    });
    await waitFor(() => expect(screen.queryByTestId('profile-sampled')).toBeNull());
    fireEvent.click(screen.getByTestId('tab-data'));
    await openProfileTab();
    expect(screen.queryByTestId('profile-sampled')).toBeNull(); // reopening keeps the exact one
    await act(async () => {
      fireEvent.click(screen.getByTestId('profile-btn'));
    });
    await screen.findByTestId('profile-sampled');
    expect(profileArgs(backend).map((a) => a.sample)).toEqual([PROFILE_SAMPLE_ROWS, null, PROFILE_SAMPLE_ROWS]);
  });

  it('a failed exact profile is retried exactly', async () => {
    let fail = true;
    const { backend } = await mount((b) => {
      largeKeep(b, 3_000_000);
      const answer = b.profile.bind(b);
      b.profile = async (a) => {
        if (a.sample === null && fail) {
          b.calls.push({ cmd: 'profile', args: a });
          throw new BackendError({ code: 'E201', message: 'out of memory' });
        }
        return answer(a);
      };
    });
    await runAll();
    await openProfileTab();
    await screen.findByTestId('profile-sampled');
    await act(async () => {
      fireEvent.click(screen.getByTestId('profile-exact'));
    });
    const err = await screen.findByTestId('profile-error');
    expect(err).toHaveTextContent('out of memory');
    // The sampled profile stays, with its label.
    expect(screen.getByTestId('profile-sampled')).toBeInTheDocument();
    fail = false;
    await act(async () => {
      fireEvent.click(within(err).getByRole('button', { name: 'Retry' }));
    });
    await waitFor(() => expect(screen.queryByTestId('profile-sampled')).toBeNull());
    expect(profileArgs(backend).map((a) => a.sample)).toEqual([PROFILE_SAMPLE_ROWS, null, null]);
  });
});
