import { describe, expect, it } from 'vitest';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { App } from '../App';
import { createController } from '../app/controller';
import { clampBottomHeight, MIN_BOTTOM_HEIGHT } from '../components/DataPanel';
import { createAppStore, DEFAULT_BOTTOM_HEIGHT } from '../store/store';
import { createMockBackend, mockRunDetail } from './mockBackend';
import { mountApp } from './mount';

function mount() {
  const store = createAppStore();
  const ctrl = createController(createMockBackend(), store, { checkDelayMs: 0 });
  render(<App store={store} ctrl={ctrl} />);
  const panel = screen.getByRole('region', { name: 'Data panel' });
  return { store, panel, grip: screen.getByTestId('bottom-resize') };
}

describe('the data panel height', () => {
  it('stays between the minimum and three quarters of the window', () => {
    expect(clampBottomHeight(300, 1000)).toBe(300);
    expect(clampBottomHeight(40, 1000)).toBe(MIN_BOTTOM_HEIGHT);
    expect(clampBottomHeight(900, 1000)).toBe(750);
    expect(clampBottomHeight(300, 100)).toBe(MIN_BOTTOM_HEIGHT); // a tiny window: the minimum wins
  });

  it('follows a drag of the grip on its top edge, and a double-click resets it', () => {
    const { store, panel, grip } = mount();
    const h = () => store.getState().bottomHeight;
    expect(panel.style.height).toBe(`${DEFAULT_BOTTOM_HEIGHT}px`);

    fireEvent.pointerDown(grip, { clientY: 500, button: 0 });
    fireEvent.pointerMove(window, { clientY: 400 }); // up 100 px: 100 px taller
    expect(h()).toBe(DEFAULT_BOTTOM_HEIGHT + 100);
    expect(panel.style.height).toBe(`${DEFAULT_BOTTOM_HEIGHT + 100}px`);
    fireEvent.pointerMove(window, { clientY: 5000 });
    expect(h()).toBe(MIN_BOTTOM_HEIGHT);
    fireEvent.pointerMove(window, { clientY: -5000 });
    expect(h()).toBe(Math.round(window.innerHeight * 0.75));
    fireEvent.pointerUp(window);
    fireEvent.pointerMove(window, { clientY: 500 }); // released: no longer tracked
    expect(h()).toBe(Math.round(window.innerHeight * 0.75));

    fireEvent.doubleClick(grip);
    expect(h()).toBe(DEFAULT_BOTTOM_HEIGHT);
  });

  it('a cancelled pointer ends the drag; the grip hides with the panel', () => {
    const { store, grip } = mount();
    fireEvent.pointerDown(grip, { clientY: 500, button: 0 });
    fireEvent.pointerCancel(window);
    fireEvent.pointerMove(window, { clientY: 400 });
    expect(store.getState().bottomHeight).toBe(DEFAULT_BOTTOM_HEIGHT);
    act(() => store.getState().setBottom({ bottomOpen: false }));
    expect(screen.queryByTestId('bottom-resize')).toBeNull();
  });
});

describe('the run log', () => {
  it('shows warnings, the state file and events it does not know, and stays on screen', () => {
    const { store } = mount();
    act(() => {
      store.getState().setBottom({ bottomOpen: true, bottomTab: 'log' });
      store.getState().startRun();
      store.getState().runEvent({ event: 'run_started', pipeline: 'p', nodes: ['src'] });
      store.getState().runEvent({ event: 'warning', node: 'src', code: 'D004', message: 'orders.csv has a header and no rows' });
      store.getState().runEvent({ event: 'state_written', path: '/w/out/state.json', nodes: 2 });
      store.getState().runEvent({ event: 'source_deletes', node: 'src', deleted: 3 });
      // A newer engine's event.
      store.getState().runEvent({ event: 'something_new', detail: 1 } as never);
    });
    expect(screen.getByText(/warning \[D004\]: orders.csv has a header and no rows/)).toBeTruthy();
    expect(screen.getByText(/wrote the fitted state of 2 nodes/)).toBeTruthy();
    expect(screen.getByText(/3 rows deleted at the source since the last run/)).toBeTruthy();
    expect(screen.getByText('something_new')).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Data panel' })).toBeTruthy();
  });
});

describe('a pipeline opened with a recorded run', () => {
  it("says what the last run did with the selected node until it is previewed", async () => {
    const { store } = await mountApp((b) =>
      b.history.set('/w/small.sluice.json', [
        mockRunDetail({
          spec_path: '/w/small.sluice.json',
          started_at: '2024-05-02 10:00:00.125',
          nodes: [
            { node: 'src', status: 'done', rows: 100, ms: 1 },
            { node: 'keep', status: 'done', rows: 1234, ms: 2 },
            { node: 'other', status: 'failed', rows: null, ms: null },
          ],
        }),
      ]),
    );
    expect(screen.getByTestId('status-keep')).toHaveAttribute('data-state', 'stale');
    act(() => store.getState().select(['keep']));
    fireEvent.click(screen.getByTestId('tab-data'));
    expect(screen.getByTestId('last-run')).toHaveTextContent('Last run 2024-05-02 10:00:00: 1,234 rows.');
    act(() => store.getState().select(['other']));
    expect(screen.getByTestId('last-run')).toHaveTextContent('Last run 2024-05-02 10:00:00: it failed.');
    act(() => store.getState().select(['keep']));
    await act(async () => {
      fireEvent.click(screen.getByTestId('preview-empty'));
    });
    expect(screen.queryByTestId('last-run')).toBeNull();
    expect(screen.getByTestId('status-keep')).toHaveAttribute('data-state', 'done');
  });
});
