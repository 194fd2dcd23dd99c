import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createController } from '../app/controller';
import { createAppStore, isDirty } from '../store/store';
import { createMockBackend } from './mockBackend';
import { BackendError } from '../platform';
import { sampleSpec, smallSpec } from './helpers';

function setup(opts: Parameters<typeof createMockBackend>[0] = {}) {
  const backend = createMockBackend(opts);
  const store = createAppStore();
  const ctrl = createController(backend, store, { checkDelayMs: 300, autosaveDelayMs: 2000 });
  return { backend, store, ctrl };
}

/** Answer the modal the controller is showing. */
function answer(store: ReturnType<typeof createAppStore>, value: string | null) {
  const m = store.getState().modal;
  if (!m) throw new Error('no modal');
  if (m.type === 'confirm') m.resolve(value ?? 'cancel');
  else m.resolve(value);
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('controller: autosave and recovery', () => {
  it('autosaves ~2 s after a change, once per change', async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().addNodeOfKind('read_csv', { x: 0, y: 0 });
    await vi.advanceTimersByTimeAsync(1500);
    expect(backend.callsOf('autosave')).toHaveLength(0);
    store.getState().moveNodes({ read_csv_1: { x: 20, y: 0 } });
    await vi.advanceTimersByTimeAsync(1900);
    expect(backend.callsOf('autosave')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(backend.callsOf('autosave')).toHaveLength(1);
    const args = backend.callsOf('autosave')[0].args as { spec: { nodes: unknown[] }; path: string | null };
    expect(args.spec.nodes).toHaveLength(1);
    expect(args.path).toBeNull();
    await vi.advanceTimersByTimeAsync(5000);
    expect(backend.callsOf('autosave')).toHaveLength(1);
    ctrl.dispose();
  });

  it('offers recovered work; Restore loads it as unsaved', async () => {
    const { backend, store, ctrl } = setup();
    backend.recoveryValue = { spec: smallSpec(), path: '/w/small.sluice.json', saved_at: 1_700_000_000 };
    await ctrl.init();
    expect(store.getState().recovery).not.toBeNull();
    await ctrl.restoreRecovery();
    expect(store.getState().recovery).toBeNull();
    expect(store.getState().spec.nodes.map((n) => n.id)).toEqual(['src', 'other', 'keep', 'out']);
    expect(store.getState().path).toBe('/w/small.sluice.json');
    expect(isDirty(store.getState())).toBe(true);
    expect(backend.callsOf('clear_recovery')).toHaveLength(0);
    ctrl.dispose();
  });

  it('Discard clears the recovery file', async () => {
    const { backend, store, ctrl } = setup();
    backend.recoveryValue = { spec: smallSpec(), path: null, saved_at: 1_700_000_000 };
    await ctrl.init();
    await ctrl.discardRecovery();
    expect(backend.callsOf('clear_recovery')).toHaveLength(1);
    expect(backend.recoveryValue).toBeNull();
    expect(store.getState().recovery).toBeNull();
    expect(store.getState().spec.nodes).toHaveLength(0);
    ctrl.dispose();
  });

  it('saving marks the document clean and stops autosave', async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().addNodeOfKind('read_csv', { x: 0, y: 0 });
    backend.nextPath = '/w/new.sluice.json';
    expect(await ctrl.save()).toBe(true); // no path yet: save as
    expect(backend.callsOf('save_dialog')).toHaveLength(1);
    expect(backend.files.has('/w/new.sluice.json')).toBe(true);
    expect(store.getState().path).toBe('/w/new.sluice.json');
    expect(isDirty(store.getState())).toBe(false);
    await vi.advanceTimersByTimeAsync(3000);
    expect(backend.callsOf('autosave')).toHaveLength(0);
    ctrl.dispose();
  });
});

describe('controller: documents', () => {
  it('asks before losing unsaved changes on New; Cancel keeps them', async () => {
    const { store, ctrl } = setup();
    await ctrl.init();
    store.getState().addNodeOfKind('read_csv', { x: 0, y: 0 });
    const p = ctrl.newDocument();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().modal?.type).toBe('confirm');
    answer(store, 'cancel');
    expect(await p).toBe(false);
    expect(store.getState().spec.nodes).toHaveLength(1);
    const q = ctrl.newDocument();
    await vi.advanceTimersByTimeAsync(0);
    answer(store, 'discard');
    expect(await q).toBe(true);
    expect(store.getState().spec.nodes).toHaveLength(0);
    ctrl.dispose();
  });

  it('opens through the dialog and loads the spec clean', async () => {
    const { backend, store, ctrl } = setup();
    backend.files.set('/w/c.sluice.json', JSON.stringify(sampleSpec));
    backend.nextPath = '/w/c.sluice.json';
    await ctrl.init();
    expect(await ctrl.open()).toBe(true);
    expect(store.getState().spec.name).toBe('customer_features');
    expect(store.getState().path).toBe('/w/c.sluice.json');
    expect(isDirty(store.getState())).toBe(false);
    expect(store.getState().past).toHaveLength(0);
    ctrl.dispose();
  });

  it('a failed open shows a toast and keeps the document', async () => {
    const { backend, store, ctrl } = setup();
    backend.nextPath = '/w/missing.sluice.json';
    await ctrl.init();
    expect(await ctrl.open()).toBe(false);
    expect(store.getState().toasts.at(-1)!.kind).toBe('error');
    expect(store.getState().toasts.at(-1)!.detail).toMatch(/No such file/);
    ctrl.dispose();
  });

  it('checks the document 300 ms after the last change, with overrides', async () => {
    const { backend, store, ctrl } = setup();
    backend.schemas = { src: [{ name: 'x', type: 'BIGINT' }] };
    await ctrl.init();
    await vi.advanceTimersByTimeAsync(400);
    const before = backend.callsOf('check').length;
    store.getState().loadDocument(smallSpec(), '/w/s.sluice.json');
    store.getState().setOverride('min_amount', '5');
    await vi.advanceTimersByTimeAsync(200);
    expect(backend.callsOf('check')).toHaveLength(before);
    await vi.advanceTimersByTimeAsync(150);
    expect(backend.callsOf('check')).toHaveLength(before + 1);
    const args = backend.callsOf('check').at(-1)!.args as { path: string; params: Record<string, string> };
    expect(args.path).toBe('/w/s.sluice.json');
    expect(args.params).toEqual({ min_amount: '5' });
    expect(store.getState().check!.schemas.src).toEqual([{ name: 'x', type: 'BIGINT' }]);
    ctrl.dispose();
  });

  it('moving nodes does not re-check the document', async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    await vi.advanceTimersByTimeAsync(400);
    const n = backend.callsOf('check').length;
    store.getState().moveNodes({ src: { x: 100, y: 100 } });
    await vi.advanceTimersByTimeAsync(400);
    expect(backend.callsOf('check')).toHaveLength(n);
    store.getState().setParams('keep', { predicate: 'x > 3' });
    await vi.advanceTimersByTimeAsync(400);
    expect(backend.callsOf('check')).toHaveLength(n + 1);
    ctrl.dispose();
  });

  it('the headless command needs a saved file first', async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().addNodeOfKind('read_csv', { x: 0, y: 0 });
    const p = ctrl.copyHeadlessCommand();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().modal?.type).toBe('confirm');
    backend.nextPath = '/w/h.sluice.json';
    answer(store, 'save');
    expect(await p).toBe('sluice run /w/h.sluice.json');
    expect(backend.callsOf('save')).toHaveLength(1);
    expect(store.getState().toasts.at(-1)!.detail).toBe('sluice run /w/h.sluice.json');
    ctrl.dispose();
  });
});

describe('controller: dbt export', () => {
  it('saves first, asks the dialect and the folder, and reports what was left out', async () => {
    const { backend, store, ctrl } = setup({
      exportDbt: async (_path, _params, out, dialect) => ({
        out,
        name: 'h',
        dialect,
        models: 5,
        tests: 2,
        applies_state: true,
        left_out: [{ severity: 'warning', code: 'X021', fault: 'spec', message: 'drift computed by sluice', node: 'drift' }],
      }),
    });
    await ctrl.init();
    store.getState().addNodeOfKind('read_csv', { x: 0, y: 0 });
    const p = ctrl.exportDbt();
    await vi.advanceTimersByTimeAsync(0);
    backend.nextPath = '/w/h.sluice.json';
    answer(store, 'save');
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().modal?.type).toBe('confirm');
    backend.nextFolder = '/w/dbt_h';
    answer(store, 'spark');
    const r = await p;
    expect(r?.dialect).toBe('spark');
    expect(backend.callsOf('folder_dialog')[0].args).toEqual({ defaultPath: '/w/dbt_h' });
    const toast = store.getState().toasts.at(-1)!;
    expect(toast.title).toBe('dbt project exported (Spark)');
    expect(toast.detail).toBe('/w/dbt_h: 5 models, 2 tests, fitted state applied; left out: drift');
    ctrl.dispose();
  });

  it('names the nodes the dialect cannot express', async () => {
    let asked = '';
    const { backend, store, ctrl } = setup({
      exportDbt: async (_path, _params, _out, dialect) => {
        asked = dialect;
        throw new BackendError({
          code: 'X001',
          message: '1 node(s) cannot be exported to snowflake: split',
          diagnostics: [{ severity: 'error', code: 'X011', fault: 'spec', message: "the snowflake dialect cannot express the kind 'x' yet", node: 'split' }],
        });
      },
    });
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), '/w/s.sluice.json');
    const p = ctrl.exportDbt();
    await vi.advanceTimersByTimeAsync(0);
    backend.nextFolder = '/w/out';
    answer(store, 'snowflake');
    expect(await p).toBeNull();
    expect(asked).toBe('snowflake');
    const details = store.getState().toasts.map((t) => t.detail).join('\n');
    expect(details).toContain("split: the snowflake dialect cannot express the kind 'x' yet");
    ctrl.dispose();
  });
});

describe('controller: runs and previews', () => {
  it('runs and shows rows on every node', async () => {
    const { store, ctrl } = setup();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    await ctrl.run();
    const st = store.getState().status;
    expect(st.src).toEqual({ state: 'done', rows: 100, ms: 1 });
    expect(st.out.state).toBe('done');
    expect(store.getState().running).toBe(false);
    ctrl.dispose();
  });

  it('asks before the first run that writes outside the spec folder, and sends what was allowed', async () => {
    const { backend, store, ctrl } = setup({
      checkResult: (doc) => ({
        outside_writes: [{ node: 'out', path: '/home/me/.profile', allowed: (doc.allow_write ?? []).includes('/home/me/.profile') }],
      }),
    });
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), '/w/small.sluice.json');
    let p = ctrl.run();
    await vi.advanceTimersByTimeAsync(0);
    const m = store.getState().modal;
    expect(m?.type).toBe('confirm');
    expect(m && m.type === 'confirm' ? m.message : '').toContain('/home/me/.profile (out)');
    answer(store, 'cancel');
    await p;
    expect(backend.callsOf('run')).toHaveLength(0);
    p = ctrl.run();
    await vi.advanceTimersByTimeAsync(0);
    answer(store, 'allow');
    await p;
    expect((backend.callsOf('run')[0].args as { allow_write?: string[] }).allow_write).toEqual(['/home/me/.profile']);
    // Agreed once for this document: the next run goes ahead without asking.
    await ctrl.run();
    expect(backend.callsOf('run')).toHaveLength(2);
    // Another document starts without consent.
    store.getState().loadDocument(smallSpec(), '/w/other.sluice.json');
    p = ctrl.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().modal?.type).toBe('confirm');
    answer(store, 'cancel');
    await p;
    ctrl.dispose();
  });

  it('run to selected passes the target', async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    store.getState().select(['keep']);
    await ctrl.runSelected();
    expect((backend.callsOf('run')[0].args as { target: string }).target).toBe('keep');
    expect(Object.keys(store.getState().status).sort()).toEqual(['keep', 'src']);
    ctrl.dispose();
  });

  it('a failed run marks the node and toasts its message with the node id', async () => {
    const { store, ctrl } = setup({ failRun: { code: 'E200', message: "node 'keep' failed: boom", node: 'keep' } });
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    await ctrl.run();
    expect(store.getState().status.keep.state).toBe('error');
    const t = store.getState().toasts.at(-1)!;
    expect(t.kind).toBe('error');
    expect(t.detail).toMatch(/^keep: /);
    expect(store.getState().bottomTab).toBe('log');
    ctrl.dispose();
  });

  it('previews a node into the store', async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    await ctrl.preview('keep', 100);
    expect((backend.callsOf('preview')[0].args as { node: string; limit: number }).limit).toBe(100);
    expect(store.getState().previews.keep.table.total_rows).toBe(1234);
    expect(store.getState().status.keep).toMatchObject({ state: 'done', rows: 1234 });
    ctrl.dispose();
  });
});
