import { describe, expect, it } from 'vitest';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../App';
import { createController } from '../app/controller';
import { createAppStore } from '../store/store';
import { createMockBackend } from './mockBackend';
import { smallSpec } from './helpers';

async function mount() {
  const backend = createMockBackend();
  backend.files.set('/w/small.sluice.json', JSON.stringify(smallSpec()));
  backend.initialSpecPath = async () => '/w/small.sluice.json';
  backend.schemas = { src: [{ name: 'x', type: 'BIGINT' }, { name: 'label', type: 'VARCHAR' }] };
  const store = createAppStore();
  const ctrl = createController(backend, store, { checkDelayMs: 0, autosaveDelayMs: 50 });
  render(<App store={store} ctrl={ctrl} />);
  await act(async () => {
    await ctrl.init();
  });
  return { backend, store, ctrl };
}

describe('the app', () => {
  it('builds the palette from the catalog, grouped by category, searchable', async () => {
    await mount();
    expect(screen.getByTestId('palette-read_csv')).toBeInTheDocument();
    expect(screen.getByTestId('palette-write_parquet')).toBeInTheDocument();
    const titles = Array.from(document.querySelectorAll('.palette-group-title')).map((e) => e.textContent);
    expect(titles).toEqual(['Sources', 'Transforms', 'Checks', 'Sinks']);
    fireEvent.change(screen.getByTestId('palette-search'), { target: { value: 'key pairs' } });
    expect(screen.queryByTestId('palette-read_csv')).toBeNull();
    expect(screen.getByTestId('palette-join')).toBeInTheDocument();
  });

  it('renders canvas nodes with ports and status pills, and edits through the inspector', async () => {
    const { store } = await mount();
    await waitFor(() => expect(screen.getByTestId('node-keep')).toBeInTheDocument());
    expect(screen.getByTestId('handle-in-keep-input')).toBeInTheDocument();
    expect(screen.getByTestId('handle-out-keep')).toBeInTheDocument();
    expect(screen.queryByTestId('handle-out-out')).toBeNull(); // a sink
    expect(screen.getByTestId('status-keep')).toHaveTextContent('not run');
    act(() => store.getState().select(['keep']));
    const predicate = await screen.findByTestId('field-predicate');
    expect(predicate.textContent).toBe('x > 1');
    // Rename through the inspector updates the downstream reference.
    const id = screen.getByTestId('node-id-input');
    fireEvent.change(id, { target: { value: 'big' } });
    fireEvent.blur(id);
    expect(store.getState().spec.nodes.find((n) => n.id === 'out')!.inputs).toEqual({ input: 'big' });
  });

  it('adds a node from the palette by click, deletes it with the keyboard, and undoes', async () => {
    const { store } = await mount();
    fireEvent.click(screen.getByTestId('palette-filter'));
    expect(store.getState().selection).toEqual(['filter_1']);
    await waitFor(() => expect(screen.getByTestId('node-filter_1')).toBeInTheDocument());
    fireEvent.keyDown(document.body, { key: 'Delete' });
    expect(store.getState().spec.nodes.some((n) => n.id === 'filter_1')).toBe(false);
    fireEvent.keyDown(document.body, { key: 'z', ctrlKey: true });
    expect(store.getState().spec.nodes.some((n) => n.id === 'filter_1')).toBe(true);
    fireEvent.keyDown(document.body, { key: 'y', ctrlKey: true });
    expect(store.getState().spec.nodes.some((n) => n.id === 'filter_1')).toBe(false);
  });

  it('a palette click with a node selected adds the next step wired to it; one Ctrl+Z undoes both', async () => {
    const { store } = await mount();
    act(() => store.getState().select(['keep']));
    fireEvent.click(screen.getByTestId('palette-derive'));
    expect(store.getState().selection).toEqual(['derive_1']);
    const derive = store.getState().spec.nodes.find((n) => n.id === 'derive_1')!;
    expect(derive.inputs).toEqual({ input: 'keep' });
    const at = store.getState().spec.layout!;
    expect(at.derive_1.x).toBe(at.keep.x + 240);
    await waitFor(() => expect(screen.getByTestId('node-derive_1')).toBeInTheDocument());
    fireEvent.keyDown(document.body, { key: 'z', ctrlKey: true });
    expect(store.getState().spec.nodes.some((n) => n.id === 'derive_1')).toBe(false);
    expect(store.getState().spec.nodes.find((n) => n.id === 'out')!.inputs).toEqual({ input: 'keep' });
    expect(store.getState().past).toHaveLength(0);
  });

  it('renaming a node in the inspector keeps its run status', async () => {
    const { store } = await mount();
    await act(async () => {
      fireEvent.click(screen.getByTestId('run-all'));
    });
    await waitFor(() => expect(screen.getByTestId('status-keep')).toHaveAttribute('data-state', 'done'));
    act(() => store.getState().select(['keep']));
    const id = await screen.findByTestId('node-id-input');
    fireEvent.change(id, { target: { value: 'big' } });
    fireEvent.blur(id);
    await waitFor(() => expect(screen.getByTestId('status-big')).toHaveAttribute('data-state', 'done'));
    expect(screen.getByTestId('status-out')).toHaveAttribute('data-state', 'done');
    fireEvent.keyDown(document.body, { key: 'z', ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId('status-keep')).toHaveAttribute('data-state', 'done'));
  });

  it('says on the node when its result came from the cache', async () => {
    const { store } = await mount();
    act(() => store.getState().runEvent({ event: 'node_finished', node: 'keep', rows: 1234, ms: 0, cached: true }));
    expect(screen.getByTestId('status-keep')).toHaveTextContent('1,234 · cached');
    expect(screen.getByTestId('status-keep').getAttribute('title')).toContain('reused from the cache');
  });

  it('runs all and shows row counts in the status pills, then previews into the data table', async () => {
    const { store } = await mount();
    await act(async () => {
      fireEvent.click(screen.getByTestId('run-all'));
    });
    await waitFor(() => expect(screen.getByTestId('status-src')).toHaveAttribute('data-state', 'done'));
    expect(screen.getByTestId('status-src')).toHaveTextContent('100');
    act(() => store.getState().select(['keep']));
    await act(async () => {
      fireEvent.click(screen.getByTestId('preview-btn'));
    });
    expect(await screen.findByTestId('data-table')).toBeInTheDocument();
    expect(screen.getByTestId('row-count')).toHaveTextContent('of 1,234 rows');
    fireEvent.click(screen.getByTestId('tab-log'));
    expect(within(screen.getByTestId('run-log')).getByText(/Run success/)).toBeInTheDocument();
  });

  it('Save As through the path modal writes the file', async () => {
    const { backend, store, ctrl } = await mount();
    const b = { ...backend };
    void b;
    // The HTTP-style path prompt, driven by the UI.
    backend.saveDialog = (d) => ctrl.promptPath({ mode: 'save', defaultPath: d });
    act(() => store.getState().moveNodes({ src: { x: 40, y: 40 } }));
    expect(screen.getByTestId('dirty-dot')).toBeInTheDocument();
    await act(async () => {
      fireEvent.click(screen.getByTestId('save-as'));
    });
    const input = await screen.findByTestId('path-input');
    fireEvent.change(input, { target: { value: '/w/copy.sluice.json' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('path-ok'));
    });
    await waitFor(() => expect(backend.files.has('/w/copy.sluice.json')).toBe(true));
    expect(screen.queryByTestId('dirty-dot')).toBeNull();
    expect(screen.getByTestId('doc-title')).toHaveTextContent('copy.sluice.json');
  });

  it('shows the recovery banner and restores', async () => {
    const backend = createMockBackend();
    backend.recoveryValue = { spec: smallSpec(), path: null, saved_at: Math.floor(Date.now() / 1000) };
    const store = createAppStore();
    const ctrl = createController(backend, store, { checkDelayMs: 0 });
    render(<App store={store} ctrl={ctrl} />);
    await act(async () => {
      await ctrl.init();
    });
    expect(screen.getByTestId('recovery-banner')).toHaveTextContent(/Unsaved work from .* was recovered/);
    await act(async () => {
      fireEvent.click(screen.getByTestId('recovery-restore'));
    });
    expect(screen.queryByTestId('recovery-banner')).toBeNull();
    expect(store.getState().spec.nodes).toHaveLength(4);
    expect(screen.getByTestId('dirty-dot')).toBeInTheDocument();
  });
});
