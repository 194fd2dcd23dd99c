// What the UI does with the backend: open, save, run, preview, profile, check as the document
// changes, autosave, recover after a crash, and list the saved document's recorded runs; the
// user's connections are app/connections.ts's (`connections`). Components call these; they never
// call the backend.

import { createContext, useContext } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { toBackendError, type Backend, type DocArgs } from '../platform';
import { emptySpec, specKey } from '../model/spec';
import type { ExportSummary, RunSummary, Spec } from '../model/types';
import { countChecks } from '../model/checks';
import { isDirty, type State, type Store } from '../store/store';
import { createConnectionsController } from './connections';

export interface ControllerOptions {
  checkDelayMs?: number;
  autosaveDelayMs?: number;
  now?: () => number;
}

export type Controller = ReturnType<typeof createController>;

export const DEFAULT_PREVIEW_LIMIT = 10_000;
/** Rows a sampled profile covers (the Profile tab's "sample" toggle, and large nodes at first). */
export const PROFILE_SAMPLE_ROWS = 100_000;
/** Nodes known to have more rows than this are profiled on a sample of PROFILE_SAMPLE_ROWS unless
 * the exact profile is asked for ("Profile all rows"). */
export const PROFILE_EXACT_MAX_ROWS = 1_000_000;
/** Runs the History tab lists. */
export const HISTORY_LIMIT = 100;

/** A node's row count as far as it is known without profiling it: from its last run or preview
 * (kept when the node changed since: it still tells how large the node is), else from a profile;
 * null when none of them has seen it. */
export function knownRows(s: Pick<State, 'status' | 'previews' | 'profiles'>, node: string): number | null {
  const st = s.status[node];
  if (st && (st.state === 'done' || st.state === 'stale') && typeof st.rows === 'number') return st.rows;
  const preview = s.previews[node];
  if (preview) return preview.table.total_rows;
  const profiled = s.profiles[node];
  return profiled ? profiled.profile.rows : null;
}

/** Whether profiling `node` without saying how samples: always with the Profile tab's toggle on;
 * otherwise when the node is known to have more than PROFILE_EXACT_MAX_ROWS rows, except that a
 * current exact profile is refreshed exactly. A node of unknown size is profiled exactly. */
export function profileSamples(s: Pick<State, 'profileSample' | 'status' | 'previews' | 'profiles'>, node: string): boolean {
  if (s.profileSample) return true;
  const current = s.profiles[node];
  if (current && !current.stale && current.sample === null) return false;
  const rows = knownRows(s, node);
  return rows !== null && rows > PROFILE_EXACT_MAX_ROWS;
}

export function basename(path: string | null): string {
  if (!path) return 'untitled';
  return path.split(/[\\/]/).pop() ?? path;
}

/** The pipeline name a file suggests: its name without `.sluice.json` (or `.json`). */
export function nameFromPath(path: string): string {
  return basename(path).replace(/\.sluice\.json$|\.json$/i, '');
}

/** Names a new document has until the user gives it one. */
const DEFAULT_NAMES = new Set(['', 'untitled']);

/** `1 test`, `2 tests`. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** How the export's dialects are named to people. */
const DIALECT_NAMES: Record<string, string> = { duckdb: 'DuckDB', spark: 'Spark', snowflake: 'Snowflake' };

export function createController(backend: Backend, store: StoreApi<Store>, opts: ControllerOptions = {}) {
  const checkDelay = opts.checkDelayMs ?? 300;
  const autosaveDelay = opts.autosaveDelayMs ?? 2000;
  const S = () => store.getState();

  // Outputs outside the spec's folder the user agreed to, for the document at `consentFor`:
  // a spec opened from disk writes there only after the user saw every such path.
  let consented: string[] = [];
  let consentFor: string | null = null;
  const doc = (): DocArgs => {
    const s = S();
    const allow = s.path !== null && s.path === consentFor ? consented : [];
    return { spec: s.spec, path: s.path, params: s.overrides, ...(allow.length ? { allow_write: allow } : {}) };
  };

  /** Before a run: the outputs outside the spec's folder not yet agreed to are listed, and the
   * run goes on only when the user allows them. */
  async function consentToWrites(): Promise<boolean> {
    // The desktop shell asks in a native dialog of its own, which a page cannot answer for it.
    if (backend.nativeDialogs) return true;
    let outside;
    try {
      outside = (await backend.check(doc())).outside_writes ?? [];
    } catch {
      return true; // the run reports what is wrong
    }
    const asked = outside.filter((w) => !w.allowed);
    if (asked.length === 0) return true;
    const list = asked.map((w) => `• ${w.path}${w.node ? ` (${w.node})` : ' (state file)'}`).join('\n');
    const b = await confirm(
      'Write outside the pipeline folder?',
      `${basename(S().path)} writes ${asked.length === 1 ? 'this file' : 'these files'} outside its own folder:\n${list}\nAllow it for this session?`,
      [
        { id: 'cancel', label: 'Cancel', kind: 'plain' },
        { id: 'allow', label: 'Allow and run', kind: 'danger' },
      ],
    );
    if (b !== 'allow') return false;
    if (consentFor !== S().path) consented = [];
    consentFor = S().path;
    consented = [...consented, ...asked.map((w) => w.path)];
    scheduleCheck();
    return true;
  }

  function fail(title: string, e: unknown) {
    const err = toBackendError(e);
    S().toast({ kind: 'error', title, detail: err.node ? `${err.node}: ${err.message}` : err.message });
    return err;
  }

  // ----- check, debounced after every change -----
  let checkTimer: ReturnType<typeof setTimeout> | null = null;
  let checkSeq = 0;
  async function checkNow() {
    const seq = ++checkSeq;
    try {
      const r = await backend.check(doc());
      if (seq === checkSeq) S().setCheck(r);
    } catch (e) {
      if (seq === checkSeq) S().setCheck(null);
      void e;
    }
  }
  function scheduleCheck() {
    if (checkTimer) clearTimeout(checkTimer);
    checkTimer = setTimeout(() => {
      checkTimer = null;
      void checkNow();
    }, checkDelay);
  }

  // ----- autosave, ~2 s after changes -----
  let autosaveTimer: ReturnType<typeof setTimeout> | null = null;
  let lastAutosaved = '';
  function scheduleAutosave() {
    if (autosaveTimer) clearTimeout(autosaveTimer);
    autosaveTimer = setTimeout(() => {
      autosaveTimer = null;
      void autosaveNow();
    }, autosaveDelay);
  }
  async function autosaveNow() {
    const s = S();
    if (!isDirty(s)) return;
    const key = specKey(s.spec) + '\n' + (s.path ?? '');
    if (key === lastAutosaved) return;
    try {
      await backend.autosave(s.spec, s.path);
      lastAutosaved = key;
    } catch (e) {
      void e; // autosave is best effort; a failing disk shows up on save
    }
  }

  const unsubscribe = store.subscribe((s, prev) => {
    // Moves change only `layout`, which checking ignores.
    const logicChanged =
      s.spec !== prev.spec &&
      (s.spec.nodes !== prev.spec.nodes || s.spec.params !== prev.spec.params || s.spec.name !== prev.spec.name);
    if (logicChanged || s.path !== prev.path || s.overrides !== prev.overrides) scheduleCheck();
    if ((s.spec !== prev.spec || s.savedKey !== prev.savedKey) && !s.dragging && isDirty(s)) scheduleAutosave();
    if (s.dragging !== prev.dragging && !s.dragging && isDirty(s)) scheduleAutosave();
  });

  // ----- dialogs -----
  function confirm(title: string, message: string, buttons: { id: string; label: string; kind?: 'primary' | 'danger' | 'plain' }[]) {
    return new Promise<string>((resolve) => {
      S().setModal({
        type: 'confirm',
        title,
        message,
        buttons,
        resolve: (b) => {
          S().setModal(null);
          resolve(b);
        },
      });
    });
  }

  /** Before the document is replaced: true to go on (saved or discarded), false to stay. */
  async function confirmLoseChanges(): Promise<boolean> {
    if (!isDirty(S())) return true;
    const b = await confirm('Unsaved changes', `Save changes to ${basename(S().path)} before closing it?`, [
      { id: 'cancel', label: 'Cancel', kind: 'plain' },
      { id: 'discard', label: "Don't save", kind: 'danger' },
      { id: 'save', label: 'Save', kind: 'primary' },
    ]);
    if (b === 'discard') return true;
    if (b === 'save') return save();
    return false;
  }

  /** The in-app path prompt the HTTP backend uses instead of system dialogs. */
  async function promptPath(req: { mode: 'open' | 'save' | 'folder'; defaultPath?: string | null }): Promise<string | null> {
    let recent: string[] = [];
    if (req.mode === 'open') {
      try {
        recent = await backend.recentFiles();
      } catch {
        recent = [];
      }
    }
    return new Promise((resolve) => {
      S().setModal({
        type: 'path',
        mode: req.mode,
        defaultPath: req.defaultPath,
        recent,
        resolve: (p) => {
          S().setModal(null);
          resolve(p && p.trim() ? p.trim() : null);
        },
      });
    });
  }

  // ----- files -----
  async function openPath(path: string, opts2: { skipConfirm?: boolean } = {}): Promise<boolean> {
    if (!opts2.skipConfirm && !(await confirmLoseChanges())) return false;
    try {
      const r = await backend.open(path);
      S().loadDocument(r.spec, r.path);
      if (r.diagnostics.length > 0) {
        S().setCheck({ valid: !r.diagnostics.some((d) => d.severity === 'error'), diagnostics: r.diagnostics, schemas: {} });
      }
      await restoreLastRun(r.path);
      return true;
    } catch (e) {
      fail(`Could not open ${basename(path)}`, e);
      return false;
    }
  }

  /** Show the last recorded run of the saved document at `path` (from the app or the CLI) on its
   * nodes, as stale results. Best effort: a history that cannot be read shows nothing. */
  async function restoreLastRun(path: string): Promise<void> {
    try {
      const [last] = await backend.runs(path, 1);
      if (!last || S().path !== path) return;
      S().restoreRun(path, await backend.runDetail(path, last.run_id));
    } catch {
      /* no history to show */
    }
  }

  async function open(): Promise<boolean> {
    if (!(await confirmLoseChanges())) return false;
    let path: string | null;
    try {
      path = await backend.openDialog();
    } catch (e) {
      fail('Could not show the open dialog', e);
      return false;
    }
    if (!path) return false;
    return openPath(path, { skipConfirm: true });
  }

  async function newDocument(): Promise<boolean> {
    if (!(await confirmLoseChanges())) return false;
    S().loadDocument(emptySpec(), null);
    return true;
  }

  async function saveTo(path: string): Promise<boolean> {
    const spec = S().spec;
    try {
      const text = await backend.save(path, spec);
      let saved: Spec = spec;
      try {
        saved = JSON.parse(text) as Spec;
      } catch {
        saved = spec;
      }
      // Keep the in-memory document when the user edited while saving.
      if (S().spec === spec) S().markSaved(saved, path);
      else {
        if (S().path !== path) S().clearHistory();
        store.setState({ path, savedKey: specKey(spec) });
      }
      S().setRecovery(null);
      S().toast({ kind: 'success', title: `Saved ${basename(path)}` });
      return true;
    } catch (e) {
      fail(`Could not save ${basename(path)}`, e);
      return false;
    }
  }

  async function save(): Promise<boolean> {
    const path = S().path;
    if (!path) return saveAs();
    return saveTo(path);
  }

  async function saveAs(): Promise<boolean> {
    const s = S();
    const suggested = s.path ?? `${s.spec.name || 'untitled'}.sluice.json`;
    let path: string | null;
    try {
      path = await backend.saveDialog(suggested);
    } catch (e) {
      fail('Could not show the save dialog', e);
      return false;
    }
    if (!path) return false;
    // A pipeline still named by default takes the name of the file it is first saved as.
    if (DEFAULT_NAMES.has((S().spec.name ?? '').trim())) {
      const name = nameFromPath(path);
      if (name) S().setSpecMeta({ name });
    }
    return saveTo(path);
  }

  async function recentFiles(): Promise<string[]> {
    try {
      return await backend.recentFiles();
    } catch {
      return [];
    }
  }

  /** The saved file the headless tools read, saving first (asked) when there is none or the
   * editor has changes; null when the user declines. `what` says who needs it. */
  async function ensureSaved(what: string): Promise<string | null> {
    let s = S();
    if (!s.path || isDirty(s)) {
      const b = await confirm(
        'Save first',
        s.path ? `${what} the saved file. Save your changes first?` : `${what} a saved file. Save the pipeline first?`,
        [
          { id: 'cancel', label: 'Cancel', kind: 'plain' },
          { id: 'save', label: s.path ? 'Save' : 'Save as…', kind: 'primary' },
        ],
      );
      if (b !== 'save' || !(await save())) return null;
      s = S();
    }
    return s.path ?? null;
  }

  async function copyHeadlessCommand(): Promise<string | null> {
    const path = await ensureSaved('The headless command runs');
    if (!path) return null;
    try {
      const cmd = await backend.headlessCommand(path, S().overrides);
      const copied = await copyText(cmd);
      S().toast({ kind: copied ? 'success' : 'info', title: copied ? 'Headless command copied' : 'Headless command', detail: cmd });
      return cmd;
    } catch (e) {
      fail('Could not build the headless command', e);
      return null;
    }
  }

  /** Export the saved pipeline as a dbt project (`sluice export dbt`): the dialect is asked,
   * then the folder. */
  async function exportDbt(): Promise<ExportSummary | null> {
    const path = await ensureSaved('The export reads');
    if (!path) return null;
    const dialect = await confirm(
      'Export a dbt project',
      'One model per node and the checks as dbt tests, in the SQL of the engine that will run it. Fitted steps apply the state file of the last training run when there is one.',
      [
        { id: 'cancel', label: 'Cancel', kind: 'plain' },
        { id: 'snowflake', label: 'Snowflake', kind: 'plain' },
        { id: 'spark', label: 'Spark SQL', kind: 'plain' },
        { id: 'duckdb', label: 'DuckDB', kind: 'primary' },
      ],
    );
    if (dialect !== 'duckdb' && dialect !== 'spark' && dialect !== 'snowflake') return null;
    const dir = path.slice(0, Math.max(path.lastIndexOf('/'), 0)) || '.';
    const name = basename(path).replace(/\.sluice\.json$|\.json$/, '');
    const out = await backend.folderDialog(`${dir}/dbt_${name}`);
    if (!out) return null;
    try {
      const r = await backend.exportDbt(path, S().overrides, out, dialect);
      const left = r.left_out.length ? `; left out: ${r.left_out.map((d) => d.node ?? d.message).join(', ')}` : '';
      S().toast({
        kind: r.left_out.length ? 'info' : 'success',
        title: `dbt project exported (${DIALECT_NAMES[r.dialect] ?? r.dialect})`,
        detail: `${r.out}: ${plural(r.models, 'model')}, ${plural(r.tests, 'test')}${r.applies_state ? ', fitted state applied' : ''}${left}`,
      });
      return r;
    } catch (e) {
      const err = fail('Could not export the dbt project', e);
      if (err.diagnostics.length) S().toast({ kind: 'error', title: 'Not expressible', detail: err.diagnostics.map((d) => `${d.node}: ${d.message}`).join('\n') });
      return null;
    }
  }

  // ----- recovery -----
  async function restoreRecovery() {
    const r = S().recovery;
    if (!r) return;
    if (!(await confirmLoseChanges())) return;
    S().loadDocument(r.spec, r.path, { dirty: true });
    S().setRecovery(null);
    if (r.path) await restoreLastRun(r.path);
  }

  async function discardRecovery() {
    S().setRecovery(null);
    try {
      await backend.clearRecovery();
    } catch (e) {
      fail('Could not discard the recovered work', e);
    }
  }

  // ----- run -----
  async function run(target?: string | null) {
    if (S().running) return;
    if (!(await consentToWrites())) return;
    const args = { ...doc(), target: target ?? null };
    S().startRun();
    S().setBottom({ bottomOpen: true });
    let finished: RunSummary | null = null;
    try {
      const summary = await backend.run(args, (e) => S().runEvent(e));
      finished = summary;
      // The HTTP backend replays events; make sure every node of the summary shows its rows.
      const st = { ...S().status };
      for (const [id, r] of Object.entries(summary.nodes ?? {})) {
        if (st[id]?.state !== 'done' && st[id]?.state !== 'skipped') st[id] = { state: 'done', rows: r.rows, ms: r.ms };
      }
      store.setState({ status: st });
      S().mergeCheckResults(summary.checks ?? []);
      const c = countChecks(S().checkResults);
      if (summary.status === 'cancelled') S().toast({ kind: 'info', title: 'Run cancelled' });
      else if (summary.status === 'failed') {
        // A failed error-severity check fails the run without an exception: other branches ran.
        const failed = Object.values(S().checkResults).filter((r) => r.status === 'fail');
        S().toast({
          kind: 'error',
          title: c.fail ? `Run failed: ${c.fail} ${c.fail === 1 ? 'check' : 'checks'} failed` : 'Run failed',
          detail: failed.map((r) => `${r.node}: ${r.message}`).join('\n') || undefined,
        });
      } else
        S().toast({
          kind: 'success',
          title: `Run finished in ${formatMs(summary.ms)}`,
          detail: c.warn ? `${c.warn} ${c.warn === 1 ? 'check' : 'checks'} with warnings` : undefined,
        });
      if (c.fail) S().setBottom({ bottomOpen: true, bottomTab: 'checks' });
    } catch (e) {
      const err = toBackendError(e);
      S().runError(err.message, err.code, err.node);
      // Refused for errors in the spec: the refusal names only those in the way of this run, so
      // the document is checked again for the whole picture (a change may not be checked yet).
      if (err.diagnostics.length > 0) void checkNow();
      // The Checks tab explains the failure when a check caused it; the log explains the rest.
      const results = S().checkResults;
      const byCheck = err.node ? results[err.node]?.status === 'fail' : countChecks(results).fail > 0;
      S().setBottom({ bottomOpen: true, bottomTab: byCheck ? 'checks' : 'log' });
      fail('Run failed', err);
    } finally {
      S().endRun();
      // The run is in the history now (a saved document's runs are recorded).
      if (historyShown()) void loadHistory();
    }
    if (finished && finished.status !== 'cancelled') await previewAfterRun(finished);
  }

  /** The selected node's rows after a run that computed it, so the Data tab shows them without
   * another click (the run left them in the result cache). The node keeps the run's status. */
  async function previewAfterRun(summary: RunSummary) {
    const s = S();
    const node = s.selection.length === 1 ? s.selection[0] : null;
    if (!node || !summary.nodes?.[node] || s.status[node]?.state !== 'done') return;
    const kind = s.spec.nodes.find((n) => n.id === node)?.kind;
    if (!kind || s.kinds.get(kind)?.output === false) return;
    await preview(node, s.previews[node]?.limit ?? DEFAULT_PREVIEW_LIMIT, { afterRun: true });
  }

  async function runSelected() {
    const sel = S().selection;
    if (sel.length !== 1) {
      S().toast({ kind: 'info', title: 'Select one node to run up to it' });
      return;
    }
    return run(sel[0]);
  }

  async function cancel() {
    try {
      await backend.cancel();
    } catch (e) {
      fail('Could not cancel', e);
    }
  }

  /** `afterRun`: fetched on its own after a run; a failure is not reported (the Preview button
   * is there to try again and say why), and the node keeps the run's status. */
  async function preview(node: string, limit = DEFAULT_PREVIEW_LIMIT, opts2: { afterRun?: boolean } = {}) {
    const t0 = opts.now ? opts.now() : performance.now();
    S().setPreviewLoading(node);
    try {
      const table = await backend.preview({ ...doc(), node, limit });
      const ms = Math.round((opts.now ? opts.now() : performance.now()) - t0);
      S().setPreview(node, table, limit, ms, { afterRun: opts2.afterRun });
    } catch (e) {
      if (opts2.afterRun) return;
      const err = fail(`Preview of ${node} failed`, e);
      S().runError(err.message, err.code, err.node ?? node);
    } finally {
      S().setPreviewLoading(null);
    }
  }

  /** Profile a node's columns: over all rows, or over a sample of PROFILE_SAMPLE_ROWS when
   * `sample` (default: profileSamples — the Profile tab's toggle, or a node known to be large).
   * Failures are kept by node for the tab to show; like a failed preview they mark the failing
   * node and go into the run log. */
  async function profile(node: string, opts2: { sample?: boolean } = {}) {
    const sample = (opts2.sample ?? profileSamples(S(), node)) ? PROFILE_SAMPLE_ROWS : null;
    const t0 = opts.now ? opts.now() : performance.now();
    const req = S().startProfile(node, sample);
    try {
      const p = await backend.profile({ ...doc(), node, sample });
      const ms = Math.round((opts.now ? opts.now() : performance.now()) - t0);
      S().setProfile(req, p, ms);
    } catch (e) {
      const err = toBackendError(e);
      const failing = err.node && err.node !== node ? err.node : undefined;
      const now = S().failProfile(req, { message: err.message, code: err.code, node: failing });
      if (now) S().runError(err.message, err.code, failing ?? now);
    }
  }

  // ----- run history -----
  const historyShown = () => {
    const s = S();
    return s.bottomOpen && s.bottomTab === 'history';
  };

  /** (Re)load the recorded runs of the saved document; an unsaved one has none. */
  async function loadHistory() {
    const path = S().path;
    if (!path) {
      S().clearHistory();
      return;
    }
    const req = S().startHistory(path);
    try {
      S().setHistory(req, await backend.runs(path, HISTORY_LIMIT));
    } catch (e) {
      S().failHistory(req, toBackendError(e).message);
    }
  }

  /** Show a recorded run in full (null: close it). */
  async function showRun(runId: string | null) {
    const path = S().history.path ?? S().path;
    const req = S().startRunDetail(runId);
    if (!runId || !path) return;
    try {
      S().setRunDetail(req, await backend.runDetail(path, runId));
    } catch (e) {
      S().failRunDetail(req, toBackendError(e).message);
    }
  }

  async function sql(node: string): Promise<string> {
    return backend.sql({ ...doc(), node });
  }

  // ----- startup -----
  async function loadCatalog(): Promise<boolean> {
    try {
      S().setCatalog(await backend.catalog());
      store.setState({ catalogError: null });
      return true;
    } catch (e) {
      const err = fail('Could not load the node catalog', e);
      store.setState({ catalogError: err.message });
      return false;
    }
  }

  async function init() {
    await loadCatalog();
    try {
      const r = await backend.recovery();
      if (r) S().setRecovery(r);
    } catch {
      /* no recovery */
    }
    let initial: string | null = null;
    try {
      initial = await backend.initialSpecPath();
    } catch {
      initial = null;
    }
    if (initial) await openPath(initial, { skipConfirm: true });
    else scheduleCheck();
  }

  function dispose() {
    unsubscribe();
    if (checkTimer) clearTimeout(checkTimer);
    if (autosaveTimer) clearTimeout(autosaveTimer);
  }

  return {
    init,
    loadCatalog,
    dispose,
    promptPath,
    confirmLoseChanges,
    newDocument,
    open,
    openPath,
    save,
    saveAs,
    recentFiles,
    copyHeadlessCommand,
    exportDbt,
    restoreRecovery,
    discardRecovery,
    run,
    runSelected,
    cancel,
    preview,
    profile,
    sql,
    loadHistory,
    showRun,
    checkNow,
    autosaveNow,
    connections: createConnectionsController(backend, store, confirm),
    nativeDialogs: backend.nativeDialogs,
    openDialog: (purpose?: 'spec' | 'data') => backend.openDialog(purpose),
  };
}

export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall through */
  }
  try {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  } catch {
    return false;
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const ControllerContext = createContext<Controller | null>(null);

export function useController(): Controller {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('no controller');
  return c;
}
