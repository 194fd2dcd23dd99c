import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createController, DEFAULT_PREVIEW_LIMIT } from '../app/controller';
import { createAppStore, isDirty } from '../store/store';
import { createMockBackend, mockCheckResult, mockRunDetail } from './mockBackend';
import { BackendError } from '../platform';
import { sampleSpec, smallSpec } from './helpers';
import type { Diagnostic } from '../model/types';

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

describe('controller: an error below a node does not block it', () => {
  // The filter reads a column that does not exist: DuckDB's binder refuses it.
  const binderError: Diagnostic = {
    severity: 'error',
    code: 'S040',
    fault: 'spec',
    node: 'keep',
    message: 'Binder Error: Referenced column "stauts" not found in FROM clause!',
  };
  const invalidKeep = () => setup({ checkResult: () => ({ diagnostics: [binderError] }) });

  it('previews the source above the failing filter, and marks neither failed', async () => {
    const { store, ctrl } = invalidKeep();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    store.getState().select(['src']);
    await ctrl.preview('src', 100);
    const s = store.getState();
    expect(s.previews.src.table.rows.length).toBeGreaterThan(0);
    expect(s.status.src).toMatchObject({ state: 'done' });
    expect(s.status.keep).toBeUndefined();
    expect(s.toasts.filter((t) => t.kind === 'error')).toEqual([]);
    ctrl.dispose();
  });

  it('runs up to the source; the source is done, not failed', async () => {
    const { backend, store, ctrl } = invalidKeep();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    store.getState().select(['src']);
    await ctrl.runSelected();
    expect(backend.callsOf('run')).toHaveLength(1);
    const s = store.getState();
    expect(s.status.src).toMatchObject({ state: 'done', rows: 100 });
    expect(s.status.keep).toBeUndefined();
    expect(s.toasts.at(-1)!.kind).toBe('success');
    ctrl.dispose();
  });

  it('profiling and the SQL of the source go through too', async () => {
    const { store, ctrl } = invalidKeep();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    await ctrl.profile('src');
    expect(store.getState().profiles.src).toBeDefined();
    expect(store.getState().profileErrors.src).toBeUndefined();
    await expect(ctrl.sql('src')).resolves.toContain('src');
    await expect(ctrl.sql('out')).rejects.toThrow(/stauts/);
    ctrl.dispose();
  });

  it('the failing node and what reads it are refused; the source above stays as it was', async () => {
    const { backend, store, ctrl } = invalidKeep();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    await ctrl.run('src');
    await ctrl.preview('keep', 100);
    expect(store.getState().status.keep).toMatchObject({ state: 'error', code: 'E100' });
    const checks = backend.callsOf('check').length;
    await ctrl.run(); // the whole spec: any error refuses it
    expect(store.getState().status.src).toMatchObject({ state: 'done', rows: 100 });
    expect(store.getState().status.other?.state).not.toBe('error');
    // The refusal names what is in the way; the document is checked again for the rest.
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.callsOf('check').length).toBeGreaterThan(checks);
    expect(store.getState().check!.diagnostics.map((d) => d.node)).toEqual(['keep']);
    ctrl.dispose();
  });
});

describe('controller: results come back', () => {
  it("after a run the selected node's rows are fetched for the Data tab; its status stays the run's", async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    store.getState().select(['keep']);
    await ctrl.run();
    const previews = backend.callsOf('preview');
    expect(previews).toHaveLength(1);
    expect(previews[0].args).toMatchObject({ node: 'keep', limit: DEFAULT_PREVIEW_LIMIT });
    expect(store.getState().previews.keep.stale).toBe(false);
    expect(store.getState().status.keep).toEqual({ state: 'done', rows: 300, ms: 3 });
    expect(store.getState().previewLoading).toBeNull();
    ctrl.dispose();
  });

  it('keeps the limit of the last preview, and fetches nothing for a sink or without a selection', async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    store.getState().select(['src']);
    await ctrl.preview('src', 100);
    await ctrl.run();
    expect(backend.callsOf('preview').map((c) => c.args)).toEqual([
      expect.objectContaining({ node: 'src', limit: 100 }),
      expect.objectContaining({ node: 'src', limit: 100 }),
    ]);
    store.getState().select(['out']);
    await ctrl.run();
    store.getState().select([]);
    await ctrl.run();
    expect(backend.callsOf('preview')).toHaveLength(2);
    ctrl.dispose();
  });

  it("does not fetch rows of a node the run did not reach", async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    store.getState().select(['other']);
    await ctrl.run('keep');
    expect(backend.callsOf('preview')).toHaveLength(0);
    ctrl.dispose();
  });

  it('opening a saved pipeline shows its last recorded run as stale results', async () => {
    const { backend, store, ctrl } = setup();
    const spec = { ...smallSpec(), nodes: [...smallSpec().nodes, { id: 'nn', kind: 'check_not_null', inputs: { input: 'keep' }, params: { columns: ['x'] } }] };
    backend.files.set('/w/s.sluice.json', JSON.stringify(spec));
    const older = mockRunDetail({ spec_path: '/w/s.sluice.json', nodes: [{ node: 'src', status: 'done', rows: 1, ms: 1 }] });
    const last = mockRunDetail({
      spec_path: '/w/s.sluice.json',
      started_at: '2024-05-02 10:00:00.125',
      status: 'failed',
      nodes: [
        { node: 'src', status: 'cached', rows: 100, ms: 0 },
        { node: 'keep', status: 'done', rows: 40, ms: 7 },
        { node: 'nn', status: 'done', rows: 40, ms: 2 },
        { node: 'other', status: 'failed', rows: null, ms: null },
        { node: 'gone', status: 'done', rows: 5, ms: 1 },
      ],
      checks: [mockCheckResult('nn', 'check_not_null', { columns: ['x'] }, 40, 4), mockCheckResult('gone', 'check_not_null', {}, 5, 0)],
    });
    backend.history.set('/w/s.sluice.json', [last, older]);
    await ctrl.init();
    expect(await ctrl.openPath('/w/s.sluice.json')).toBe(true);
    const s = store.getState();
    const lastRun = (outcome: string) => ({ runId: last.run_id, at: '2024-05-02 10:00:00', outcome });
    expect(s.status.src).toEqual({ state: 'stale', rows: 100, ms: 0, lastRun: lastRun('cached') });
    expect(s.status.keep).toEqual({ state: 'stale', rows: 40, ms: 7, lastRun: lastRun('done') });
    expect(s.status.other).toEqual({ state: 'stale', lastRun: lastRun('failed') });
    expect(s.status.out).toBeUndefined();
    expect(s.status.gone).toBeUndefined();
    expect(Object.keys(s.checkResults)).toEqual(['nn']);
    expect(s.checkResults.nn.status).toBe('fail');
    expect(backend.callsOf('runs')[0].args).toEqual({ path: '/w/s.sluice.json', limit: 1 });
    // A run now replaces them with current results.
    await ctrl.run('keep');
    expect(store.getState().status.keep).toEqual({ state: 'done', rows: 200, ms: 2 });
    ctrl.dispose();
  });

  it('a pipeline without recorded runs opens with no results, and a failing history does not stop the open', async () => {
    const { backend, store, ctrl } = setup();
    backend.files.set('/w/s.sluice.json', JSON.stringify(smallSpec()));
    await ctrl.init();
    expect(await ctrl.openPath('/w/s.sluice.json')).toBe(true);
    expect(store.getState().status).toEqual({});
    backend.runs = async () => {
      throw new BackendError({ code: 'E500', message: 'run history: unreadable' });
    };
    expect(await ctrl.openPath('/w/s.sluice.json')).toBe(true);
    expect(store.getState().status).toEqual({});
    expect(store.getState().toasts.filter((t) => t.kind === 'error')).toEqual([]);
    ctrl.dispose();
  });
});

describe('controller: one run log per document', () => {
  it('a new or opened document starts with an empty run log and no statuses', async () => {
    const { backend, store, ctrl } = setup();
    backend.files.set('/w/c.sluice.json', JSON.stringify(sampleSpec));
    await ctrl.init();
    store.getState().loadDocument(smallSpec(), null);
    await ctrl.run();
    expect(store.getState().log.length).toBeGreaterThan(0);
    expect(await ctrl.newDocument()).toBe(true);
    expect(store.getState().log).toEqual([]);
    expect(store.getState().status).toEqual({});
    store.getState().loadDocument(smallSpec(), null);
    await ctrl.run();
    expect(await ctrl.openPath('/w/c.sluice.json')).toBe(true);
    expect(store.getState().log).toEqual([]);
    expect(store.getState().status).toEqual({});
    ctrl.dispose();
  });
});

describe('controller: Save as names the pipeline', () => {
  it('a pipeline still named untitled takes the name of the file', async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().addNodeOfKind('read_csv', { x: 0, y: 0 });
    expect(store.getState().spec.name).toBe('untitled');
    backend.nextPath = '/w/desk_orders.sluice.json';
    expect(await ctrl.saveAs()).toBe(true);
    expect(store.getState().spec.name).toBe('desk_orders');
    expect(JSON.parse(backend.files.get('/w/desk_orders.sluice.json')!).name).toBe('desk_orders');
    expect(isDirty(store.getState())).toBe(false);
    ctrl.dispose();
  });

  it('an empty name is filled too; a name the user gave stays', async () => {
    const { backend, store, ctrl } = setup();
    await ctrl.init();
    store.getState().setSpecMeta({ name: '' });
    backend.nextPath = '/w/a b.sluice.json';
    expect(await ctrl.saveAs()).toBe(true);
    expect(store.getState().spec.name).toBe('a b');
    store.getState().setSpecMeta({ name: 'orders' });
    backend.nextPath = '/w/copy.sluice.json';
    expect(await ctrl.saveAs()).toBe(true);
    expect(store.getState().spec.name).toBe('orders');
    expect(JSON.parse(backend.files.get('/w/copy.sluice.json')!).name).toBe('orders');
    // A cancelled dialog changes nothing.
    store.getState().loadDocument({ version: 1, name: 'untitled', nodes: [] }, null);
    backend.nextPath = null;
    expect(await ctrl.saveAs()).toBe(false);
    expect(store.getState().spec.name).toBe('untitled');
    ctrl.dispose();
  });
});
