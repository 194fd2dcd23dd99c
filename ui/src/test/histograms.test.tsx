import { describe, expect, it } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { STRIP_MAX } from '../components/FlowNode';
import type { Histogram, RunEvent } from '../model/types';
import { createMockBackend, mockRunHistograms } from './mockBackend';
import { mountApp } from './mount';
import { smallSpec } from './helpers';

const mount = () => mountApp();

async function runAll() {
  await act(async () => {
    fireEvent.click(screen.getByTestId('run-all'));
  });
}

// xyflow keeps unmeasured nodes hidden (as jsdom's all are): query the strip's svgs directly.
const sparks = (id: string) => Array.from(screen.getByTestId(`hists-${id}`).querySelectorAll('svg.spark'));
const sparkColumns = (id: string) => sparks(id).map((e) => e.getAttribute('aria-label'));

describe('the mock backend', () => {
  it('sends node_histograms right after node_finished, for nodes with an output only', async () => {
    const backend = createMockBackend();
    const events: RunEvent[] = [];
    await backend.run({ spec: smallSpec() }, (e) => events.push(e));
    const names = events.map((e) => `${e.event}${'node' in e ? ':' + e.node : ''}`);
    expect(names.filter((n) => n.startsWith('node_histograms'))).toEqual(['node_histograms:src', 'node_histograms:other', 'node_histograms:keep']);
    expect(names.indexOf('node_histograms:keep')).toBe(names.indexOf('node_finished:keep') + 1);
    const keep = events.find((e) => e.event === 'node_histograms' && e.node === 'keep') as { histograms: Histogram[] };
    expect(keep.histograms).toEqual(mockRunHistograms(300));
    expect(keep.histograms[0].bins.reduce((a, b) => a + b.count, 0)).toBe(300); // keep is third: 300 rows
  });
});

describe('a node\'s histogram strip', () => {
  it('appears after a run, from the run; a later preview takes over; an edit dims it', async () => {
    const { store } = await mount();
    expect(screen.queryByTestId('hists-keep')).toBeNull();
    await runAll();
    await waitFor(() => expect(screen.getByTestId('hists-keep')).toHaveAttribute('data-source', 'run'));
    expect(screen.getByTestId('hists-keep')).toHaveAttribute('data-stale', 'false');
    expect(sparkColumns('keep')).toEqual(['id (BIGINT)', 'segment (VARCHAR)']);
    expect(screen.getByTestId('hists-src')).toBeInTheDocument();
    expect(screen.queryByTestId('hists-out')).toBeNull(); // a sink has no output

    // A preview is fresher: its histograms (id, name) replace the run's (id, segment).
    act(() => store.getState().select(['keep']));
    await new Promise((r) => setTimeout(r, 2)); // a later timestamp than the run's
    await act(async () => {
      fireEvent.click(screen.getByTestId('preview-btn'));
    });
    await waitFor(() => expect(screen.getByTestId('hists-keep')).toHaveAttribute('data-source', 'preview'));
    expect(sparkColumns('keep')).toEqual(['id (BIGINT)', 'name (VARCHAR)']);
    expect(screen.getByTestId('hists-src')).toHaveAttribute('data-source', 'run');

    // Editing keep dims its strip and the strips downstream; src stays as it is.
    act(() => store.getState().setParams('keep', { predicate: 'x > 5' }));
    expect(screen.getByTestId('hists-keep')).toHaveAttribute('data-stale', 'true');
    expect(screen.getByTestId('hists-keep')).toHaveClass('stale');
    expect(screen.getByTestId('hists-src')).toHaveAttribute('data-stale', 'false');

    // Running again: the run is the fresher now.
    await new Promise((r) => setTimeout(r, 2));
    await runAll();
    await waitFor(() => expect(screen.getByTestId('hists-keep')).toHaveAttribute('data-source', 'run'));
    expect(screen.getByTestId('hists-keep')).toHaveAttribute('data-stale', 'false');
  });

  it('follows a rename', async () => {
    const { store } = await mount();
    await runAll();
    await waitFor(() => expect(screen.getByTestId('hists-keep')).toBeInTheDocument());
    act(() => {
      store.getState().renameNode('keep', 'big');
    });
    await waitFor(() => expect(screen.getByTestId('hists-big')).toHaveAttribute('data-stale', 'false'));
    expect(screen.queryByTestId('hists-keep')).toBeNull();
  });

  it(`shows at most ${STRIP_MAX} columns in one row and counts the rest`, async () => {
    const { store } = await mount();
    const many: Histogram[] = Array.from({ length: STRIP_MAX + 3 }, (_, i) => ({
      column: `c${i}`,
      type: 'DOUBLE',
      shape: 'numeric',
      bins: [{ label: '0 – 1', lo: 0, hi: 1, count: i + 1 }],
      nulls: 0,
    }));
    act(() => store.getState().runEvent({ event: 'node_histograms', node: 'keep', histograms: many }));
    const strip = await screen.findByTestId('hists-keep');
    expect(sparkColumns('keep')[0]).toBe('c0 (DOUBLE)');
    expect(strip.querySelectorAll('svg.spark')).toHaveLength(STRIP_MAX);
    const more = strip.querySelector('.fnode-spark-more')!;
    expect(more).toHaveTextContent('+3');
    expect(more.getAttribute('title')).toBe('c6 · DOUBLE\nc7 · DOUBLE\nc8 · DOUBLE');
  });
});

describe('the Profile tab', () => {
  it('profiles a node from its last run when it has no preview, and says so', async () => {
    const { store } = await mount();
    act(() => store.getState().select(['keep']));
    fireEvent.click(screen.getByTestId('tab-profile'));
    expect(screen.queryByTestId('profile')).toBeNull();
    expect(screen.getByTestId('preview-empty')).toBeInTheDocument();
    await runAll();
    const profile = await screen.findByTestId('profile');
    expect(profile).toHaveAttribute('data-source', 'run');
    expect(within(profile).getByText('segment')).toBeInTheDocument();
    // 3 nulls of 300 rows in the run histograms.
    expect(profile).toHaveTextContent('3 null (1.0%)');
    expect(screen.getByTestId('profile-source')).toHaveTextContent('from the last run');
    // The data tab shows the run's rows, fetched after the run; the charts stay the run's.
    fireEvent.click(screen.getByTestId('tab-data'));
    expect(screen.queryByTestId('preview-empty')).toBeNull();
    expect(screen.getByTestId('row-count')).toHaveTextContent('of 1,234 rows');
    // A preview asked for, fresher, takes over the profile.
    await new Promise((r) => setTimeout(r, 2));
    await act(async () => {
      fireEvent.click(screen.getByTestId('preview-btn'));
    });
    fireEvent.click(screen.getByTestId('tab-profile'));
    expect(screen.getByTestId('profile')).toHaveAttribute('data-source', 'preview');
    expect(screen.getByTestId('profile-source')).toHaveTextContent('from the preview');
    act(() => store.getState().setParams('keep', { predicate: 'x > 5' }));
    expect(screen.getByTestId('profile-source')).toHaveTextContent('from the preview · stale');
  });
});
