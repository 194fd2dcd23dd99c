import { describe, expect, it, vi } from 'vitest';
import { findNode } from '../model/spec';
import { isDirty, shownHistograms, type PreviewState, type ProfileState, type RunHistograms } from '../store/store';
import type { CheckResult, Histogram, Profile, Table } from '../model/types';
import { sampleSpec, smallSpec, storeWith } from './helpers';
import { mockCheckResult, mockProfile, mockRunDetail } from './mockBackend';

describe('store: document edits', () => {
  it('adds a node with a readable unique id and the schema defaults', () => {
    const store = storeWith(smallSpec());
    const a = store.getState().addNodeOfKind('join', { x: 10, y: 20 });
    const b = store.getState().addNodeOfKind('join', { x: 10, y: 20 });
    expect(a).toBe('join_1');
    expect(b).toBe('join_2');
    const n = findNode(store.getState().spec, 'join_1')!;
    expect(n.params).toEqual({ how: 'inner', suffix: '_right' });
    expect(store.getState().spec.layout!['join_1']).toEqual({ x: 10, y: 20 });
    expect(store.getState().selection).toEqual(['join_2']);
  });

  it('connects, replaces a fixed port and refuses a cycle', () => {
    const store = storeWith(smallSpec());
    const s = store.getState();
    expect(s.connect({ source: 'other', target: 'keep', sourceHandle: 'out', targetHandle: 'input' })).toBe(true);
    expect(findNode(store.getState().spec, 'keep')!.inputs).toEqual({ input: 'other' });
    // keep -> src would not cycle, but out has no output and src has no inputs.
    expect(store.getState().connect({ source: 'out', target: 'keep', sourceHandle: 'out', targetHandle: 'input' })).toBe(false);
    store.getState().addNodeOfKind('filter', { x: 0, y: 0 });
    store.getState().connect({ source: 'keep', target: 'filter_1', sourceHandle: 'out', targetHandle: 'input' });
    expect(store.getState().connect({ source: 'filter_1', target: 'keep', sourceHandle: 'out', targetHandle: 'input' })).toBe(false);
    expect(findNode(store.getState().spec, 'keep')!.inputs).toEqual({ input: 'other' });
  });

  it('deletes nodes with their edges and layout, and undo/redo restore them', () => {
    const store = storeWith(smallSpec());
    const before = store.getState().spec;
    store.getState().select(['keep']);
    store.getState().deleteSelection();
    const after = store.getState().spec;
    expect(after.nodes.map((n) => n.id)).toEqual(['src', 'other', 'out']);
    expect(findNode(after, 'out')!.inputs).toBeUndefined();
    expect(after.layout!.keep).toBeUndefined();
    store.getState().undo();
    expect(store.getState().spec).toEqual(before);
    store.getState().redo();
    expect(store.getState().spec).toEqual(after);
  });

  it('deletes a selected edge only', () => {
    const store = storeWith(smallSpec());
    store.getState().select([], ['keep->out:input']);
    store.getState().deleteSelection();
    expect(findNode(store.getState().spec, 'out')!.inputs).toBeUndefined();
    expect(store.getState().spec.nodes).toHaveLength(4);
  });

  it('coalesces a drag into one undo step and leaves no step for a click', () => {
    const store = storeWith(smallSpec());
    const s = store.getState();
    s.beginDrag();
    s.dragMove({ src: { x: 10, y: 0 } });
    store.getState().dragMove({ src: { x: 20, y: 5 } });
    store.getState().dragMove({ src: { x: 40, y: 10 } });
    store.getState().endDrag();
    expect(store.getState().past).toHaveLength(1);
    expect(store.getState().spec.layout!.src).toEqual({ x: 40, y: 10 });
    store.getState().undo();
    expect(store.getState().spec.layout!.src).toEqual({ x: 0, y: 0 });
    expect(store.getState().past).toHaveLength(0);
    // A click: drag starts and ends without movement.
    store.getState().beginDrag();
    store.getState().endDrag();
    expect(store.getState().past).toHaveLength(0);
  });

  it('coalesces typing in one field but not across fields', () => {
    const store = storeWith(smallSpec());
    const s = store.getState();
    s.setParams('keep', { predicate: 'x > 10' }, 'params:keep:predicate');
    store.getState().setParams('keep', { predicate: 'x > 100' }, 'params:keep:predicate');
    expect(store.getState().past).toHaveLength(1);
    store.getState().setDescription('keep', 'big ones');
    expect(store.getState().past).toHaveLength(2);
    store.getState().undo();
    store.getState().undo();
    expect(findNode(store.getState().spec, 'keep')!.params).toEqual({ predicate: 'x > 1' });
  });

  it('renames a node and updates references, layout and selection', () => {
    const store = storeWith(sampleSpec);
    store.getState().select(['orders']);
    expect(store.getState().renameNode('orders', 'raw_orders')).toBeNull();
    const spec = store.getState().spec;
    expect(findNode(spec, 'raw_orders')).toBeTruthy();
    expect(findNode(spec, 'orders')).toBeUndefined();
    expect(findNode(spec, 'parsed_orders')!.inputs).toEqual({ input: 'raw_orders' });
    expect(spec.layout!.raw_orders).toEqual({ x: 0, y: 0 });
    expect(spec.layout!.orders).toBeUndefined();
    expect(store.getState().selection).toEqual(['raw_orders']);
    // Rejects taken and malformed ids.
    expect(store.getState().renameNode('raw_orders', 'customers')).toMatch(/taken/);
    expect(store.getState().renameNode('raw_orders', '1bad id')).toMatch(/letters/);
  });

  it('a palette click continues from the selected node: placed right of it, wired, one undo step', () => {
    const store = storeWith(smallSpec());
    store.getState().select(['keep']);
    const before = store.getState().spec;
    const id = store.getState().addNodeByClick('filter', { x: 0, y: 0 });
    expect(id).toBe('filter_1');
    let spec = store.getState().spec;
    expect(findNode(spec, 'filter_1')!.inputs).toEqual({ input: 'keep' });
    expect(spec.layout!.filter_1).toEqual({ x: 480, y: 116 }); // out is at keep's right
    expect(store.getState().selection).toEqual(['filter_1']);
    expect(store.getState().past).toHaveLength(1);
    store.getState().undo();
    expect(store.getState().spec).toEqual(before);
    store.getState().redo();
    spec = store.getState().spec;
    expect(findNode(spec, 'filter_1')!.inputs).toEqual({ input: 'keep' });
  });

  it('a palette click with nothing to continue from adds an unconnected node clear of the others', () => {
    const store = storeWith(smallSpec());
    store.getState().select(['out']); // a sink has no output
    store.getState().addNodeByClick('filter', { x: 340, y: 48 }); // the view is centred on keep
    const spec = store.getState().spec;
    expect(findNode(spec, 'filter_1')!.inputs).toBeUndefined();
    const p = spec.layout!.filter_1;
    for (const q of Object.entries(spec.layout!).filter(([k]) => k !== 'filter_1').map(([, v]) => v))
      expect(Math.abs(p.x - q.x) >= 200 || Math.abs(p.y - q.y) >= 96).toBe(true);
    expect(store.getState().selection).toEqual(['filter_1']);
    expect(store.getState().addNodeByClick('no_such_kind', { x: 0, y: 0 })).toBeNull();
  });

  it('pastes copies with fresh ids, offset positions and internal edges only', () => {
    const store = storeWith(smallSpec());
    store.getState().select(['keep', 'out']);
    expect(store.getState().copySelection()).toBe(2);
    const ids = store.getState().paste();
    expect(ids).toEqual(['keep_1', 'out_1']);
    const spec = store.getState().spec;
    expect(findNode(spec, 'keep_1')!.inputs).toBeUndefined(); // the edge from src was external
    expect(findNode(spec, 'out_1')!.inputs).toEqual({ input: 'keep_1' });
    expect(spec.layout!.keep_1).toEqual({ x: 280, y: 40 });
    expect(store.getState().selection).toEqual(['keep_1', 'out_1']);
    const again = store.getState().paste();
    expect(again).toEqual(['keep_2', 'out_2']);
    expect(store.getState().spec.layout!.keep_2).toEqual({ x: 320, y: 80 });
  });

  it('select all, and dirty tracking against the saved document', () => {
    const store = storeWith(smallSpec());
    expect(isDirty(store.getState())).toBe(false);
    store.getState().selectAll();
    expect(store.getState().selection).toHaveLength(4);
    store.getState().moveNodes({ out: { x: 500, y: 0 } });
    expect(isDirty(store.getState())).toBe(true);
    store.getState().undo();
    expect(isDirty(store.getState())).toBe(false);
  });
});

describe('store: run state', () => {
  it('tracks node statuses through run events', () => {
    const store = storeWith(smallSpec());
    const s = store.getState();
    s.startRun();
    s.runEvent({ event: 'run_started', pipeline: 'small', nodes: ['src', 'keep', 'out'] });
    s.runEvent({ event: 'node_started', node: 'src', kind: 'read_csv' });
    expect(store.getState().status.src.state).toBe('running');
    store.getState().runEvent({ event: 'node_finished', node: 'src', rows: 42, ms: 3 });
    store.getState().runEvent({ event: 'node_failed', node: 'keep', code: 'E200', error: 'boom' });
    store.getState().runEvent({ event: 'run_finished', status: 'failed', ms: 9 });
    store.getState().endRun();
    expect(store.getState().status.src).toEqual({ state: 'done', rows: 42, ms: 3 });
    expect(store.getState().status.keep).toEqual({ state: 'error', message: 'boom', code: 'E200' });
    expect(store.getState().log).toHaveLength(5);
    expect(store.getState().running).toBe(false);
  });

  it('keeps that a node was reused from the cache, and shows it on the node', () => {
    const store = storeWith(smallSpec());
    store.getState().runEvent({ event: 'node_finished', node: 'src', rows: 42, ms: 0, cached: true });
    expect(store.getState().status.src).toEqual({ state: 'done', rows: 42, ms: 0, cached: true });
  });

  it('marks a changed node and everything downstream stale, not upstream, and not on moves', () => {
    const store = storeWith(smallSpec());
    const s = store.getState();
    for (const id of ['src', 'keep', 'out']) s.runEvent({ event: 'node_finished', node: id, rows: 5, ms: 1 });
    store.getState().moveNodes({ keep: { x: 300, y: 40 } });
    expect(store.getState().status.keep.state).toBe('done');
    store.getState().setParams('keep', { predicate: 'x > 2' });
    const st = store.getState().status;
    expect(st.src.state).toBe('done');
    expect(st.keep).toEqual({ state: 'stale', rows: 5, ms: 1 });
    expect(st.out.state).toBe('stale');
  });

  it('a preview marks the node done with total rows and keeps histograms', () => {
    const store = storeWith(smallSpec());
    store.getState().setPreview('keep', { columns: [], rows: [], total_rows: 77, histograms: [] }, 100, 12);
    expect(store.getState().status.keep).toEqual({ state: 'done', rows: 77, ms: 12 });
    expect(store.getState().previews.keep.table.total_rows).toBe(77);
  });

  it('normalises missing-field diagnostics onto the field', () => {
    const store = storeWith(smallSpec());
    store.getState().setCheck({
      valid: false,
      schemas: {},
      diagnostics: [{ severity: 'error', code: 'S010', fault: 'spec', node: 'keep', path: 'params', message: 'invalid parameter: missing field `predicate`' }],
    });
    expect(store.getState().check!.diagnostics[0].path).toBe('params.predicate');
  });
});

describe('store: per-node state follows a rename', () => {
  function ranStore() {
    const store = storeWith(smallSpec());
    const s = store.getState();
    for (const id of ['src', 'keep', 'out']) s.runEvent({ event: 'node_finished', node: id, rows: 5, ms: 1 });
    store.getState().setPreview('keep', { columns: [], rows: [], total_rows: 5, histograms: [] }, 100, 2);
    store.getState().setMeasured({ keep: { width: 210, height: 90 } });
    store.getState().setCheck({
      valid: true,
      schemas: { keep: [{ name: 'x', type: 'BIGINT' }] },
      diagnostics: [{ severity: 'warning', code: 'W1', fault: 'spec', node: 'keep', message: 'w' }],
    });
    store.getState().select(['keep'], ['keep->out:input']);
    store.getState().setPreviewLoading('keep');
    return store;
  }

  it('moves status, preview, measured size, selection, schema and diagnostics to the new id', () => {
    const store = ranStore();
    expect(store.getState().renameNode('keep', 'big')).toBeNull();
    const st = store.getState();
    // A rename changes no data: the node and its downstream keep their results, not stale.
    expect(st.status.big).toEqual({ state: 'done', rows: 5, ms: 2 });
    expect(st.status.out).toEqual({ state: 'done', rows: 5, ms: 1 });
    expect(st.status.keep).toBeUndefined();
    expect(st.previews.big.table.total_rows).toBe(5);
    expect(st.previews.big.stale).toBe(false);
    expect(st.previews.keep).toBeUndefined();
    expect(st.measured).toEqual({ big: { width: 210, height: 90 } });
    expect(st.selection).toEqual(['big']);
    expect(st.selectedEdges).toEqual(['big->out:input']);
    expect(st.previewLoading).toBe('big');
    expect(Object.keys(st.check!.schemas)).toEqual(['big']);
    expect(st.check!.diagnostics[0].node).toBe('big');
  });

  it('undo brings the old id back with its state, redo takes it forward again', () => {
    const store = ranStore();
    const keptStatus = store.getState().status;
    store.getState().renameNode('keep', 'big');
    store.getState().undo();
    let st = store.getState();
    expect(findNode(st.spec, 'keep')).toBeTruthy();
    expect(st.status).toEqual(keptStatus);
    expect(st.previews.keep.table.total_rows).toBe(5);
    expect(st.previews.big).toBeUndefined();
    expect(st.measured).toEqual({ keep: { width: 210, height: 90 } });
    expect(st.selection).toEqual(['keep']);
    expect(st.check!.diagnostics[0].node).toBe('keep');
    expect(Object.keys(st.check!.schemas)).toEqual(['keep']);
    store.getState().redo();
    st = store.getState();
    expect(st.status.big).toEqual({ state: 'done', rows: 5, ms: 2 });
    expect(st.previews.big.table.total_rows).toBe(5);
    expect(st.selection).toEqual(['big']);
  });

  it('undo walks back through a rename and later edits; a rename is its own undo step', () => {
    const store = ranStore();
    store.getState().setDescription('keep', 'typed'); // coalescing edit right before the rename
    store.getState().renameNode('keep', 'big');
    store.getState().setParams('big', { predicate: 'x > 9' });
    expect(store.getState().status.big.state).toBe('stale');
    store.getState().undo(); // the params
    store.getState().undo(); // the rename
    const st = store.getState();
    expect(findNode(st.spec, 'keep')!.description).toBe('typed');
    expect(st.status.keep).toEqual({ state: 'stale', rows: 5, ms: 2 });
    expect(st.previews.keep.stale).toBe(true);
    expect(Object.keys(st.status).sort()).toEqual(['keep', 'out', 'src']);
  });

  it('check results follow the rename and come back on undo', () => {
    const store = ranStore();
    const r = { node: 'keep', kind: 'check_not_null', check: 'c', severity: 'error' as const, status: 'pass' as const, observed: 1, threshold: '>= 1', element_count: 5, unexpected_count: 0, unexpected_percent: 0, message: 'ok', samples: null };
    store.getState().runEvent({ event: 'check_finished', ...r });
    store.getState().renameNode('keep', 'big');
    expect(store.getState().checkResults).toEqual({ big: { ...r, node: 'big' } });
    store.getState().undo();
    expect(store.getState().checkResults).toEqual({ keep: r });
  });
});

describe('store: data-quality check results', () => {
  const result = (node: string, status: CheckResult['status']): CheckResult => ({
    node,
    kind: 'check_not_null',
    check: 'x not null',
    severity: status === 'warn' ? 'warn' : 'error',
    status,
    observed: status === 'pass' ? 1 : 0.9,
    threshold: '>= 1',
    element_count: 10,
    unexpected_count: status === 'pass' ? 0 : 1,
    unexpected_percent: status === 'pass' ? 0 : 10,
    message: status === 'pass' ? 'all 10 rows passed' : '1 of 10 rows have a null in x',
    samples: status === 'pass' ? null : { columns: [{ name: 'x', type: 'BIGINT' }], rows: [[null]] },
  });

  it('keeps check_finished per node, marks node_skipped, and logs both', () => {
    const store = storeWith(smallSpec());
    const s = store.getState();
    s.startRun();
    s.runEvent({ event: 'run_started', pipeline: 'small', nodes: ['src', 'keep', 'out'] });
    s.runEvent({ event: 'node_started', node: 'keep', kind: 'check_not_null' });
    store.getState().runEvent({ event: 'check_finished', ...result('keep', 'fail') });
    store.getState().runEvent({ event: 'node_finished', node: 'keep', rows: 10, ms: 2 });
    store.getState().runEvent({ event: 'node_skipped', node: 'out', reason: "upstream check 'keep' failed" });
    const st = store.getState();
    expect(st.checkResults.keep).toEqual(result('keep', 'fail'));
    expect('event' in st.checkResults.keep).toBe(false);
    // The check ran to completion: it passed its rows through.
    expect(st.status.keep).toEqual({ state: 'done', rows: 10, ms: 2 });
    expect(st.status.out).toEqual({ state: 'skipped', reason: "upstream check 'keep' failed" });
    expect(st.log.map((l) => l.event.event)).toContain('check_finished');
    expect(st.log.map((l) => l.event.event)).toContain('node_skipped');
  });

  it('resets results and skipped states at run_started', () => {
    const store = storeWith(smallSpec());
    const s = store.getState();
    s.runEvent({ event: 'check_finished', ...result('keep', 'warn') });
    s.runEvent({ event: 'node_skipped', node: 'out', reason: 'r' });
    store.getState().runEvent({ event: 'run_started', pipeline: 'small', nodes: ['src', 'keep', 'out'] });
    expect(store.getState().checkResults).toEqual({});
    expect(store.getState().status.out).toEqual({ state: 'idle' });
  });

  it('follows renames, drops deleted nodes, clears on open; merges only missing summary results', () => {
    const store = storeWith(smallSpec());
    store.getState().runEvent({ event: 'check_finished', ...result('keep', 'pass') });
    store.getState().mergeCheckResults([result('keep', 'fail'), result('other', 'warn')]);
    expect(store.getState().checkResults.keep.status).toBe('pass'); // the streamed one stays
    expect(Object.keys(store.getState().checkResults)).toEqual(['keep', 'other']);
    store.getState().renameNode('keep', 'valid');
    expect(store.getState().checkResults.valid.node).toBe('valid');
    expect(store.getState().checkResults.keep).toBeUndefined();
    store.getState().deleteNodes(['other']);
    expect(Object.keys(store.getState().checkResults)).toEqual(['valid']);
    store.getState().loadDocument(smallSpec(), null);
    expect(store.getState().checkResults).toEqual({});
  });

  it('an edit upstream of a skipped node makes it stale', () => {
    const store = storeWith(smallSpec());
    store.getState().runEvent({ event: 'node_skipped', node: 'out', reason: 'r' });
    store.getState().setParams('keep', { predicate: 'x > 3' });
    expect(store.getState().status.out).toEqual({ state: 'stale' });
  });
});

describe('store: column histograms from runs', () => {
  const hist = (column: string, count = 5): Histogram => ({
    column,
    type: 'BIGINT',
    shape: 'numeric',
    bins: [{ label: '0 – 1', lo: 0, hi: 1, count }],
    nulls: 0,
  });
  const table = (columns: string[]): Table => ({ columns: [], rows: [], total_rows: 5, histograms: columns.map((c) => hist(c)) });

  function ranStore() {
    const store = storeWith(smallSpec());
    const s = store.getState();
    s.startRun();
    s.runEvent({ event: 'run_started', pipeline: 'small', nodes: ['src', 'keep', 'out'] });
    for (const id of ['src', 'keep']) {
      store.getState().runEvent({ event: 'node_finished', node: id, rows: 5, ms: 1 });
      store.getState().runEvent({ event: 'node_histograms', node: id, histograms: [hist(`${id}_col`)] });
    }
    store.getState().runEvent({ event: 'node_finished', node: 'out', rows: 5, ms: 1 });
    store.getState().runEvent({ event: 'run_finished', status: 'success', ms: 3 });
    store.getState().endRun();
    return store;
  }

  it('keeps node_histograms per node, out of the run log', () => {
    const store = ranStore();
    const st = store.getState();
    expect(Object.keys(st.runHistograms).sort()).toEqual(['keep', 'src']);
    expect(st.runHistograms.keep.histograms.map((h) => h.column)).toEqual(['keep_col']);
    expect(st.runHistograms.keep.stale).toBe(false);
    expect(st.log.map((l) => l.event.event)).not.toContain('node_histograms');
    expect(st.status.keep).toEqual({ state: 'done', rows: 5, ms: 1 });
  });

  it('go stale with their node and downstream, not upstream, not on moves; deleted nodes drop theirs', () => {
    const store = ranStore();
    store.getState().moveNodes({ keep: { x: 300, y: 40 } });
    expect(store.getState().runHistograms.keep.stale).toBe(false);
    const before = store.getState().runHistograms.src;
    store.getState().setParams('keep', { predicate: 'x > 2' });
    let rh = store.getState().runHistograms;
    expect(rh.keep.stale).toBe(true);
    expect(rh.keep.histograms.map((h) => h.column)).toEqual(['keep_col']); // kept, dimmed
    expect(rh.src).toBe(before);
    store.getState().setParams('src', { path: 'c.csv' });
    expect(store.getState().runHistograms.src.stale).toBe(true);
    store.getState().deleteNodes(['keep']);
    rh = store.getState().runHistograms;
    expect(rh.keep).toBeUndefined();
    expect(Object.keys(rh)).toEqual(['src']);
    store.getState().undo(); // keep comes back, without histograms (it was deleted with them)
    expect(store.getState().runHistograms.keep).toBeUndefined();
  });

  it('a new run dims the histograms of the nodes it runs until theirs arrive', () => {
    const store = ranStore();
    store.getState().startRun();
    store.getState().runEvent({ event: 'run_started', pipeline: 'small', nodes: ['src', 'keep'] });
    expect(store.getState().runHistograms.src.stale).toBe(true);
    expect(store.getState().runHistograms.keep.stale).toBe(true);
    store.getState().runEvent({ event: 'node_finished', node: 'src', rows: 7, ms: 1 });
    store.getState().runEvent({ event: 'node_histograms', node: 'src', histograms: [hist('fresh', 7)] });
    expect(store.getState().runHistograms.src).toMatchObject({ stale: false, histograms: [{ column: 'fresh' }] });
    expect(store.getState().runHistograms.keep.stale).toBe(true);
  });

  it('follow a rename, come back on undo, and go on open', () => {
    const store = ranStore();
    store.getState().renameNode('keep', 'big');
    let rh = store.getState().runHistograms;
    expect(rh.keep).toBeUndefined();
    expect(rh.big).toMatchObject({ stale: false, histograms: [{ column: 'keep_col' }] });
    store.getState().undo();
    rh = store.getState().runHistograms;
    expect(rh.big).toBeUndefined();
    expect(rh.keep.histograms[0].column).toBe('keep_col');
    store.getState().redo();
    expect(store.getState().runHistograms.big.stale).toBe(false);
    store.getState().loadDocument(smallSpec(), null);
    expect(store.getState().runHistograms).toEqual({});
  });

  it('a node shows the fresher of its preview and its last run', () => {
    const preview = (at: number, stale = false): PreviewState => ({ table: table(['p']), limit: 100, at, stale });
    const run = (at: number, stale = false): RunHistograms => ({ histograms: [hist('r')], at, stale });
    expect(shownHistograms(undefined, undefined)).toBeNull();
    expect(shownHistograms(preview(1), undefined)).toMatchObject({ source: 'preview', stale: false });
    expect(shownHistograms(undefined, run(1, true))).toMatchObject({ source: 'run', stale: true, histograms: [{ column: 'r' }] });
    expect(shownHistograms(preview(1), run(2))?.source).toBe('run');
    expect(shownHistograms(preview(3), run(2))?.source).toBe('preview');
    expect(shownHistograms(preview(2), run(2))?.source).toBe('preview');
    // A current one wins over a later stale one.
    expect(shownHistograms(preview(1), run(2, true))).toMatchObject({ source: 'preview', stale: false });
    expect(shownHistograms(preview(3, true), run(2))).toMatchObject({ source: 'run', stale: false });
  });

  it('in the store: a preview after the run takes over, a run after the preview takes back', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(1_000);
      const store = ranStore();
      const shown = () => {
        const s = store.getState();
        return shownHistograms(s.previews.keep, s.runHistograms.keep);
      };
      expect(shown()?.source).toBe('run');
      vi.setSystemTime(2_000);
      store.getState().setPreview('keep', table(['p']), 100, 3);
      expect(shown()?.source).toBe('preview');
      vi.setSystemTime(3_000);
      store.getState().runEvent({ event: 'node_histograms', node: 'keep', histograms: [hist('again')] });
      expect(shown()).toMatchObject({ source: 'run', histograms: [{ column: 'again' }] });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('store: results of a run and of the run history', () => {
  const hist = (column: string): Histogram => ({ column, type: 'BIGINT', shape: 'numeric', bins: [], nulls: 0 });
  const table = (columns: string[]): Table => ({ columns: [], rows: [], total_rows: 2, histograms: columns.map((c) => hist(c)) });

  it('a preview fetched after a run keeps the run\'s status and charts; a later preview takes over', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(1_000);
      const store = storeWith(smallSpec());
      store.getState().runEvent({ event: 'node_finished', node: 'keep', rows: 40, ms: 9 });
      store.getState().runEvent({ event: 'node_histograms', node: 'keep', histograms: [hist('run')] });
      vi.setSystemTime(2_000);
      store.getState().setPreview('keep', table(['p']), 100, 3, { afterRun: true });
      const s = store.getState();
      expect(s.status.keep).toEqual({ state: 'done', rows: 40, ms: 9 });
      expect(s.previews.keep).toMatchObject({ at: 1_000, afterRun: true, stale: false });
      expect(shownHistograms(s.previews.keep, s.runHistograms.keep)?.source).toBe('run');
      vi.setSystemTime(3_000);
      store.getState().setPreview('keep', table(['p']), 100, 3);
      const t = store.getState();
      expect(shownHistograms(t.previews.keep, t.runHistograms.keep)?.source).toBe('preview');
      expect(t.status.keep).toMatchObject({ state: 'done', rows: 2 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('a recorded run fills in stale statuses and check verdicts of the nodes with nothing newer, at its path only', () => {
    const store = storeWith(smallSpec());
    store.getState().setPreview('other', table(['p']), 100, 3);
    const check = mockCheckResult('keep', 'check_not_null', {}, 40, 0);
    const detail = {
      ...mockRunDetail({ started_at: '2024-05-02 10:00:00' }),
      nodes: [
        { node: 'src', status: 'done', rows: 100, ms: 1 },
        { node: 'other', status: 'done', rows: 7, ms: 1 },
        { node: 'keep', status: 'done', rows: 40, ms: 2 },
      ],
      checks: [check],
    };
    expect(store.getState().restoreRun('/elsewhere.sluice.json', detail)).toBe(false);
    expect(store.getState().restoreRun('/p/x.sluice.json', detail)).toBe(true);
    const s = store.getState();
    expect(s.status.src).toMatchObject({ state: 'stale', rows: 100, lastRun: { at: '2024-05-02 10:00:00', outcome: 'done' } });
    expect(s.status.other).toMatchObject({ state: 'done', rows: 2 }); // the preview is newer
    expect(s.checkResults.keep).toEqual(check);
    // Edits leave them stale; loading another document forgets them, and the run log.
    store.getState().setParams('keep', { predicate: 'x > 5' });
    expect(store.getState().status.keep.state).toBe('stale');
    store.getState().runError('boom', 'E200', 'src');
    expect(store.getState().log).toHaveLength(1);
    store.getState().loadDocument(smallSpec(), null);
    expect(store.getState().status).toEqual({});
    expect(store.getState().checkResults).toEqual({});
    expect(store.getState().log).toEqual([]);
  });
});

describe('store: column profiles', () => {
  const profileOf = (node: string, rows = 40): Profile => mockProfile(node, rows);

  /** src and keep profiled (current), nothing in flight. */
  function profiledStore() {
    const store = storeWith(smallSpec());
    for (const id of ['src', 'keep']) {
      const req = store.getState().startProfile(id, null);
      expect(store.getState().setProfile(req, profileOf(id), 7)).toBe(id);
    }
    return store;
  }

  it('keeps a profile by node with the sample asked for; it tells the node its row count', () => {
    const store = storeWith(smallSpec());
    const req = store.getState().startProfile('keep', 100_000);
    expect(store.getState().profileLoading.keep).toMatchObject({ id: req, sample: 100_000, stale: false });
    expect(store.getState().setProfile(req, profileOf('keep', 2_000_000), 12)).toBe('keep');
    const st = store.getState();
    expect(st.profileLoading).toEqual({});
    expect(st.profiles.keep).toMatchObject({ sample: 100_000, stale: false, profile: { rows: 2_000_000, sampled_rows: null } });
    expect(st.status.keep).toEqual({ state: 'done', rows: 2_000_000, ms: 12 });
  });

  it('an answer replaced by a newer request, or whose node went, is dropped', () => {
    const store = storeWith(smallSpec());
    const old = store.getState().startProfile('keep', null);
    const cur = store.getState().startProfile('keep', 100_000);
    expect(store.getState().setProfile(old, profileOf('keep'), 1)).toBeNull();
    expect(store.getState().profiles.keep).toBeUndefined();
    expect(store.getState().profileLoading.keep.id).toBe(cur);
    const gone = store.getState().startProfile('other', null);
    store.getState().deleteNodes(['other']);
    expect(store.getState().profileLoading.other).toBeUndefined();
    expect(store.getState().setProfile(gone, profileOf('other'), 1)).toBeNull();
    expect(store.getState().failProfile(gone, { message: 'x', code: 'E1' })).toBeNull();
    expect(Object.keys(store.getState().profiles)).toEqual([]);
  });

  it('go stale with their node and downstream, not upstream, not on moves; deleted nodes drop theirs', () => {
    const store = profiledStore();
    store.getState().moveNodes({ keep: { x: 300, y: 40 } });
    expect(store.getState().profiles.keep.stale).toBe(false);
    const src = store.getState().profiles.src;
    store.getState().setParams('keep', { predicate: 'x > 2' });
    expect(store.getState().profiles.keep.stale).toBe(true);
    expect(store.getState().profiles.keep.profile.columns.map((c) => c.name)).toEqual(['id', 'name', 'amount', 'created_at']); // kept, dimmed
    expect(store.getState().profiles.src).toBe(src);
    store.getState().setParams('src', { path: 'c.csv' });
    expect(store.getState().profiles.src.stale).toBe(true);
    store.getState().deleteNodes(['keep']);
    expect(Object.keys(store.getState().profiles)).toEqual(['src']);
    store.getState().undo(); // keep comes back, without its profile (it was deleted with it)
    expect(store.getState().profiles.keep).toBeUndefined();
  });

  it('a profile asked for before an edit upstream arrives stale, and does not touch the status', () => {
    const store = storeWith(smallSpec());
    const req = store.getState().startProfile('keep', null);
    store.getState().setParams('src', { path: 'c.csv' });
    expect(store.getState().profileLoading.keep.stale).toBe(true);
    expect(store.getState().setProfile(req, profileOf('keep'), 3)).toBe('keep');
    expect(store.getState().profiles.keep.stale).toBe(true);
    expect(store.getState().status.keep).toBeUndefined();
  });

  it('a failure is kept by node until it is asked again or the node changes', () => {
    const store = storeWith(smallSpec());
    let req = store.getState().startProfile('keep', null);
    expect(store.getState().failProfile(req, { message: 'boom', code: 'E200', node: 'src' })).toBe('keep');
    expect(store.getState().profileErrors.keep).toEqual({ message: 'boom', code: 'E200', node: 'src', sample: null });
    expect(store.getState().profileLoading).toEqual({});
    req = store.getState().startProfile('keep', null); // asking again clears it
    expect(store.getState().profileErrors.keep).toBeUndefined();
    store.getState().failProfile(req, { message: 'boom', code: 'E200' });
    store.getState().moveNodes({ keep: { x: 1, y: 1 } });
    expect(store.getState().profileErrors.keep).toBeDefined();
    store.getState().setParams('src', { path: 'fixed.csv' }); // upstream: the edit may have fixed it
    expect(store.getState().profileErrors).toEqual({});
  });

  it('follow a rename (in flight too), come back on undo, and go on open', () => {
    const store = profiledStore();
    const req = store.getState().startProfile('keep', 100_000);
    store.getState().renameNode('keep', 'big');
    let st = store.getState();
    expect(st.profiles.keep).toBeUndefined();
    expect(st.profiles.big).toMatchObject({ stale: false, profile: { node: 'big' } });
    expect(st.profileLoading.big).toMatchObject({ id: req, stale: false });
    // The answer to the request made as keep lands on big.
    expect(store.getState().setProfile(req, profileOf('keep', 99), 1)).toBe('big');
    expect(store.getState().profiles.big).toMatchObject({ sample: 100_000, stale: false, profile: { node: 'big', rows: 99 } });
    store.getState().undo();
    st = store.getState();
    expect(st.profiles.big).toBeUndefined();
    expect(st.profiles.keep).toMatchObject({ profile: { node: 'keep', rows: 99 } });
    store.getState().startProfile('src', null);
    store.getState().loadDocument(smallSpec(), null);
    st = store.getState();
    expect(st.profiles).toEqual({});
    expect(st.profileLoading).toEqual({});
    expect(st.profileErrors).toEqual({});
  });

  it('charts come from the fresher of preview, run and profile; the profile loses ties', () => {
    const hist = (column: string): Histogram => ({ column, type: 'BIGINT', shape: 'numeric', bins: [], nulls: 0 });
    const preview = (at: number, stale = false): PreviewState => ({
      table: { columns: [], rows: [], total_rows: 1, histograms: [hist('p')] },
      limit: 100,
      at,
      stale,
    });
    const run = (at: number, stale = false): RunHistograms => ({ histograms: [hist('r')], at, stale });
    const prof = (at: number, stale = false): ProfileState => ({ profile: profileOf('keep'), sample: null, at, stale });
    expect(shownHistograms(undefined, undefined, prof(1))).toMatchObject({ source: 'profile', stale: false });
    expect(shownHistograms(undefined, undefined, prof(1))!.histograms.map((h) => h.column)).toEqual(['id', 'name', 'amount', 'created_at']);
    expect(shownHistograms(preview(1), run(2), prof(3))?.source).toBe('profile');
    expect(shownHistograms(preview(3), run(2), prof(1))?.source).toBe('preview');
    expect(shownHistograms(undefined, run(2), prof(2))?.source).toBe('run');
    expect(shownHistograms(preview(2), undefined, prof(2))?.source).toBe('preview');
    expect(shownHistograms(preview(5, true), run(4, true), prof(1))).toMatchObject({ source: 'profile', stale: false });
    expect(shownHistograms(preview(1), run(2, true), prof(3, true))?.source).toBe('preview');
  });
});
