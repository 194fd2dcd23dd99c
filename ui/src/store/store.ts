// The app's state: the document (the spec, its file, undo history), the view (selection,
// panels, dialogs), the run (node statuses, previews, column histograms of the last run,
// column profiles, data-quality check results), the saved document's run history, and the
// user's connections (store/connections.ts; not the document's, so they outlive it). Document
// edits all go through `commit`, which records undo history and marks results of changed nodes
// stale; a rename carries everything kept by node id over to the new id, and undo/redo carry it
// back and forth. (`check` is the spec validation; `checkResults` are the check nodes' verdicts.)

import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { kindMap, initialParams, type KindMap } from '../model/catalog';
import { applyConnection, type ConnectionLike } from '../model/connect';
import { NO_CONNECTIONS, type ConnectionsState } from './connections';
import { normalizeDiagnostic } from '../model/diagnostics';
import { edgeId, parseEdgeId } from '../model/flow';
import { addByClick, freeSpotNear } from '../model/placement';
import {
  addNode,
  changedNodes,
  copyNodes,
  deleteNodes,
  descendants,
  disconnect,
  emptySpec,
  findNode,
  idProblem,
  moveNodes,
  newNodeId,
  pasteNodes,
  renameNode,
  setNodeFields,
  specKey,
  type Clip,
} from '../model/spec';
import type {
  Catalog,
  CheckResponse,
  CheckResult,
  Histogram,
  JsonObject,
  NodeSpec,
  ParamDecl,
  Position,
  Profile,
  Recovery,
  RunDetail,
  RunEvent,
  RunListing,
  Spec,
  Table,
} from '../model/types';

export type NodeStatus =
  | { state: 'idle' }
  | { state: 'running'; since: number }
  /** cached: reused from the result cache rather than computed. */
  | { state: 'done'; rows: number; ms: number; cached?: boolean }
  | { state: 'error'; message: string; code?: string }
  /** Not run because an upstream error-severity check failed. */
  | { state: 'skipped'; reason: string }
  /** A result of an earlier definition of the node, or of an earlier run (`lastRun`: restored
   * from the run history when the document was opened). */
  | { state: 'stale'; rows?: number; ms?: number; lastRun?: LastRun };

/** Where a restored status comes from: the last recorded run of the document's file. */
export interface LastRun {
  runId: string;
  /** Local time, 'YYYY-MM-DD HH:MM:SS'. */
  at: string;
  /** The node's outcome in that run: done, cached, failed, skipped. */
  outcome: string;
}

export interface PreviewState {
  table: Table;
  limit: number;
  at: number;
  stale: boolean;
  /** Fetched right after a run that computed the node: the run's rows (from the result cache),
   * as old as the run's own histograms. */
  afterRun?: boolean;
}

/** A node's column distributions as the last run that reached it sent them (`node_histograms`). */
export interface RunHistograms {
  histograms: Histogram[];
  at: number;
  /** The node or something upstream changed since, or a new run started that has not sent them yet. */
  stale: boolean;
}

/** A node's column profile (the `profile` command). */
export interface ProfileState {
  profile: Profile;
  /** The sample size asked for; null: all rows. */
  sample: number | null;
  /** When it was asked for: a scan describes the data as it found them when it started. */
  at: number;
  /** The node or something upstream changed since it was asked for. */
  stale: boolean;
}

/** A profile being computed. */
export interface ProfileRequest {
  /** Tells this request's answer from an older one's. */
  id: number;
  sample: number | null;
  at: number;
  /** The node or something upstream changed since it was asked for: the answer arrives stale. */
  stale: boolean;
}

/** Why a node's last profile request failed. */
export interface ProfileError {
  message: string;
  code: string;
  /** The node that failed, when it is not the profiled one's own fault (an upstream node). */
  node?: string;
  /** The sample size the failed request asked for (null: all rows); a retry asks for the same. */
  sample?: number | null;
}

export type HistogramSource = 'preview' | 'run' | 'profile';

/** The histograms a node shows: from whichever of its preview, its last run and its profile is
 * fresher (a current one over a stale one, else the later one; on a tie the preview, then the
 * run, then the profile). */
export function shownHistograms(
  preview: PreviewState | undefined,
  run: RunHistograms | undefined,
  profile?: ProfileState,
): { histograms: Histogram[]; stale: boolean; source: HistogramSource } | null {
  const fromPreview = preview && { histograms: preview.table.histograms, stale: preview.stale, at: preview.at, source: 'preview' as const };
  const fromRun = run && { histograms: run.histograms, stale: run.stale, at: run.at, source: 'run' as const };
  // In tie-breaking order; a preview fetched after a run holds that run's rows, and the charts
  // say they come from the run.
  const candidates = [
    ...(preview?.afterRun ? [fromRun, fromPreview] : [fromPreview, fromRun]),
    profile && { histograms: profile.profile.columns.map((c) => c.histogram), stale: profile.stale, at: profile.at, source: 'profile' as const },
  ].filter((c) => !!c);
  let pick: (typeof candidates)[number] | null = null;
  for (const c of candidates) {
    if (!pick || (pick.stale && !c.stale) || (pick.stale === c.stale && c.at > pick.at)) pick = c;
  }
  return pick ? { histograms: pick.histograms, stale: pick.stale, source: pick.source } : null;
}

/** Histograms are not log material: the log keeps the other events. */
export type LoggedEvent = Exclude<RunEvent, { event: 'node_histograms' }>;

export interface LogEntry {
  at: number;
  run: number;
  event: LoggedEvent | { event: 'error'; message: string; node?: string; code: string };
}

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  title: string;
  detail?: string;
}

export type BottomTab = 'data' | 'profile' | 'sql' | 'checks' | 'log' | 'history';

/** The recorded runs of the saved document (the History tab). */
export interface HistoryState {
  /** The spec file the list is of; null: no list (an unsaved document, or not asked yet). */
  path: string | null;
  /** Latest first; null until the first answer for `path`. */
  runs: RunListing[] | null;
  /** The id of the request on the way; null when none is. */
  loading: number | null;
  error: string | null;
}

/** The run shown in full in the History tab. */
export interface RunDetailState {
  runId: string;
  detail: RunDetail | null;
  /** The id of the request on the way; null when none is. */
  loading: number | null;
  error: string | null;
}

export type Modal =
  | {
      type: 'path';
      mode: 'open' | 'save' | 'folder';
      defaultPath?: string | null;
      recent: string[];
      resolve: (path: string | null) => void;
    }
  | {
      type: 'confirm';
      title: string;
      message: string;
      buttons: { id: string; label: string; kind?: 'primary' | 'danger' | 'plain' }[];
      resolve: (button: string) => void;
    };

/** A node id change, old to new. */
export interface Rename {
  from: string;
  to: string;
}

interface HistoryEntry {
  spec: Spec;
  /** The rename done by the edit between this entry and its neighbour towards the present
   * (a past entry: the edit that followed it; a future entry: the edit that led to it). */
  renamed?: Rename;
}

export interface State {
  // ----- catalog -----
  catalog: Catalog | null;
  kinds: KindMap;
  /** Why the catalog could not be loaded, if it could not. */
  catalogError: string | null;

  // ----- document -----
  spec: Spec;
  path: string | null;
  /** specKey of the document as last opened or saved. */
  savedKey: string;
  past: HistoryEntry[];
  future: HistoryEntry[];
  lastCoalesce: { key: string; at: number } | null;
  /** Values for the spec's params used by check/run/preview (not saved in the spec). */
  overrides: Record<string, string>;
  clipboard: Clip | null;
  pasteCount: number;

  // ----- view -----
  selection: string[];
  selectedEdges: string[];
  bottomOpen: boolean;
  bottomTab: BottomTab;
  bottomHeight: number;
  toasts: Toast[];
  modal: Modal | null;
  recovery: Recovery | null;
  measured: Record<string, { width: number; height: number }>;
  dragging: boolean;
  /** Bumped to ask the canvas to fit the view (after open or auto-layout). */
  fitRequest: number;
  /** Bumped to ask the canvas to frame the selected nodes, or all of them when none is (the F key). */
  frameRequest: number;

  // ----- run -----
  running: boolean;
  runCounter: number;
  status: Record<string, NodeStatus>;
  previews: Record<string, PreviewState>;
  /** Column histograms sent by runs (`node_histograms`), by node id. */
  runHistograms: Record<string, RunHistograms>;
  previewLoading: string | null;
  /** Column profiles (the `profile` command), by node id. */
  profiles: Record<string, ProfileState>;
  /** Profiles being computed, by node id. */
  profileLoading: Record<string, ProfileRequest>;
  /** Why the last profile request of a node failed, by node id (until it is asked again or the
   * node or something upstream changes). */
  profileErrors: Record<string, ProfileError>;
  /** The Profile tab's "sample 100k rows" toggle. */
  profileSample: boolean;
  log: LogEntry[];
  check: CheckResponse | null;
  /** Verdicts of the check nodes in the current (or last) run, by node id, in arrival order. */
  checkResults: Record<string, CheckResult>;

  // ----- run history (of the saved document) -----
  history: HistoryState;
  /** The run picked in the History tab; null when none is. */
  runDetail: RunDetailState | null;

  // ----- the user's connections (kept when another document opens) -----
  connections: ConnectionsState;
  /** The Connections panel, when open; `focus`: the connection to show first. */
  connectionsPanel: { focus: string | null } | null;
}

export interface Actions {
  setCatalog(c: Catalog): void;

  /** `renamed`: the edit renames a node; per-node state follows it (never coalesced). */
  commit(next: Spec, coalesceKey?: string, renamed?: Rename): void;
  undo(): void;
  redo(): void;
  /** Replace the document; what belonged to the last one (results, run log, history) goes. */
  loadDocument(spec: Spec, path: string | null, opts?: { dirty?: boolean }): void;
  /** Show the outcome of a recorded run of the document at `path` (the last one, on open): its
   * nodes' row counts and times as stale statuses, its check results. Only nodes and checks that
   * have nothing newer are filled; nothing happens when the document is no longer at `path`.
   * Returns whether anything was restored. */
  restoreRun(path: string, detail: RunDetail): boolean;
  markSaved(spec: Spec, path: string): void;

  addNodeOfKind(kind: string, pos: Position): string | null;
  /** A node of `kind` with `params` (over the kind's defaults), at a free spot near `center`
   * (as a palette drop there would go), selected; `id` is a wish (made unique). */
  addNodeWithParams(kind: string, params: JsonObject, center: Position, id?: string): string | null;
  /** A palette click: after the one selected node and wired to it, else near `center`. */
  addNodeByClick(kind: string, center: Position): string | null;
  deleteSelection(): void;
  deleteNodes(ids: string[]): void;
  deleteEdges(edgeIds: string[]): void;
  connect(c: ConnectionLike): boolean;
  setParams(id: string, params: JsonObject, coalesceKey?: string): void;
  setDescription(id: string, text: string): void;
  renameNode(from: string, to: string): string | null;
  setSpecMeta(patch: { name?: string; description?: string }): void;
  setSpecParams(params: Record<string, ParamDecl>, coalesceKey?: string): void;
  setOverride(name: string, value: string | null): void;

  beginDrag(): void;
  dragMove(positions: Record<string, Position>): void;
  endDrag(): void;
  moveNodes(positions: Record<string, Position>): void;

  copySelection(): number;
  paste(): string[];
  selectAll(): void;
  select(ids: string[], edges?: string[]): void;
  setMeasured(sizes: Record<string, { width: number; height: number }>): void;
  requestFit(): void;
  requestFrame(): void;

  setBottom(patch: Partial<Pick<State, 'bottomOpen' | 'bottomTab' | 'bottomHeight'>>): void;
  toast(t: Omit<Toast, 'id'>): number;
  dismissToast(id: number): void;
  setModal(m: Modal | null): void;
  /** Open the Connections panel (showing `focus` first), or close it (null). */
  setConnectionsPanel(panel: { focus: string | null } | null): void;
  /** Apply an update of store/connections.ts to the connections state. */
  updateConnections(f: (c: ConnectionsState) => ConnectionsState): void;
  setRecovery(r: Recovery | null): void;

  setCheck(r: CheckResponse | null): void;
  startRun(): number;
  runEvent(e: RunEvent): void;
  /** Adds results the event stream did not deliver (the run summary carries them all too). */
  mergeCheckResults(results: CheckResult[]): void;
  runError(message: string, code: string, node?: string): void;
  endRun(): void;
  /** `afterRun`: fetched right after a run that computed the node; its status keeps the run's
   * rows and time, and it is as old as the run's histograms (PreviewState.afterRun). */
  setPreview(node: string, table: Table, limit: number, ms: number, opts?: { afterRun?: boolean }): void;
  setPreviewLoading(node: string | null): void;
  /** A profile of `node` is asked for: returns the request's id (its answer replaces any older one's). */
  startProfile(node: string, sample: number | null): number;
  /** The answer to request `id`, kept under its node's current id (renames are followed), which
   * it returns; null, and dropped, when its node is gone or a newer request replaced it. `ms`:
   * how long it took. */
  setProfile(id: number, profile: Profile, ms: number): string | null;
  /** Request `id` failed: returns its node's current id; null when its node is gone or a newer
   * request replaced it. */
  failProfile(id: number, error: ProfileError): string | null;
  setProfileSample(on: boolean): void;

  /** The run list of `path` is asked for: returns the request's id (its answer replaces any
   * older one's). A list of another path goes, with the picked run. */
  startHistory(path: string): number;
  /** The answer to request `id`; ignored when a newer request replaced it or the document is no
   * longer saved at its path. The picked run stays when it is still listed. */
  setHistory(id: number, runs: RunListing[]): void;
  failHistory(id: number, message: string): void;
  /** Forget the list (the document is not saved, or is another file now). */
  clearHistory(): void;
  /** Pick a run of the list (null: none): returns the detail request's id, 0 when none is needed. */
  startRunDetail(runId: string | null): number;
  setRunDetail(id: number, detail: RunDetail): void;
  failRunDetail(id: number, message: string): void;
}

export type Store = State & Actions;

const HISTORY_LIMIT = 200;
const COALESCE_MS = 1200;
let toastSeq = 1;
let profileSeq = 1;
let historySeq = 1;
const NO_HISTORY: HistoryState = { path: null, runs: null, loading: null, error: null };
/** The data panel's height before the user resizes it, and after a double-click on its grip. */
export const DEFAULT_BOTTOM_HEIGHT = 260;

function initialState(): State {
  const spec = emptySpec();
  return {
    catalog: null,
    kinds: new Map(),
    catalogError: null,
    spec,
    path: null,
    savedKey: specKey(spec),
    past: [],
    future: [],
    lastCoalesce: null,
    overrides: {},
    clipboard: null,
    pasteCount: 0,
    selection: [],
    selectedEdges: [],
    bottomOpen: true,
    bottomTab: 'data',
    bottomHeight: DEFAULT_BOTTOM_HEIGHT,
    toasts: [],
    modal: null,
    recovery: null,
    measured: {},
    dragging: false,
    fitRequest: 0,
    frameRequest: 0,
    running: false,
    runCounter: 0,
    status: {},
    previews: {},
    runHistograms: {},
    previewLoading: null,
    profiles: {},
    profileLoading: {},
    profileErrors: {},
    profileSample: false,
    log: [],
    check: null,
    checkResults: {},
    history: NO_HISTORY,
    runDetail: null,
    connections: NO_CONNECTIONS,
    connectionsPanel: null,
  };
}

/** Statuses, previews, run histograms and profiles after the document changed from `prev` to
 * `next`: results of changed nodes and everything downstream become stale (profile errors go,
 * the edit may have fixed them); those of deleted nodes go. */
function staleAfter(
  s: State,
  prev: Spec,
  next: Spec,
): Pick<State, 'status' | 'previews' | 'runHistograms' | 'checkResults' | 'profiles' | 'profileLoading' | 'profileErrors'> {
  const changed = changedNodes(prev, next);
  const ids = new Set(next.nodes.map((n) => n.id));
  const affected = new Set<string>();
  for (const id of changed) {
    affected.add(id);
    for (const d of descendants(next, id)) affected.add(d);
  }
  const status: Record<string, NodeStatus> = {};
  for (const [id, st] of Object.entries(s.status)) {
    if (!ids.has(id)) continue;
    if (affected.has(id) && (st.state === 'done' || st.state === 'error' || st.state === 'skipped'))
      status[id] = st.state === 'done' ? { state: 'stale', rows: st.rows, ms: st.ms } : { state: 'stale' };
    else status[id] = st;
  }
  const previews: Record<string, PreviewState> = {};
  for (const [id, p] of Object.entries(s.previews)) {
    if (!ids.has(id)) continue;
    previews[id] = affected.has(id) && !p.stale ? { ...p, stale: true } : p;
  }
  const runHistograms: Record<string, RunHistograms> = {};
  for (const [id, h] of Object.entries(s.runHistograms)) {
    if (!ids.has(id)) continue;
    runHistograms[id] = affected.has(id) && !h.stale ? { ...h, stale: true } : h;
  }
  const profiles: Record<string, ProfileState> = {};
  for (const [id, p] of Object.entries(s.profiles)) {
    if (!ids.has(id)) continue;
    profiles[id] = affected.has(id) && !p.stale ? { ...p, stale: true } : p;
  }
  // A profile asked for before the change answers for the old definition: it arrives stale.
  const profileLoading: Record<string, ProfileRequest> = {};
  for (const [id, r] of Object.entries(s.profileLoading)) {
    if (!ids.has(id)) continue;
    profileLoading[id] = affected.has(id) && !r.stale ? { ...r, stale: true } : r;
  }
  let profileErrors = s.profileErrors;
  if (Object.keys(profileErrors).some((id) => !ids.has(id) || affected.has(id)))
    profileErrors = Object.fromEntries(Object.entries(profileErrors).filter(([id]) => ids.has(id) && !affected.has(id)));
  // Results of changed checks stay listed (the node's stale status says they are old); those
  // of deleted nodes go. Keep the object when nothing went, so subscribers do not re-render.
  let checkResults = s.checkResults;
  if (Object.keys(checkResults).some((id) => !ids.has(id)))
    checkResults = Object.fromEntries(Object.entries(checkResults).filter(([id]) => ids.has(id)));
  return { status, previews, runHistograms, checkResults, profiles, profileLoading, profileErrors };
}

/** `o` with the entry of `from` under `to` (it wins over a leftover `to`); `o` itself when
 * there is nothing to move, so subscribers do not re-render. */
function renameKey<T>(o: Record<string, T>, from: string, to: string, edit: (v: T) => T = (v) => v): Record<string, T> {
  if (!(from in o)) return o;
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(o)) if (k !== to) out[k === from ? to : k] = k === from ? edit(v) : v;
  return out;
}

/** Everything the store keeps by node id (besides the document itself). */
type PerNode = Pick<
  State,
  | 'selection'
  | 'selectedEdges'
  | 'status'
  | 'previews'
  | 'runHistograms'
  | 'checkResults'
  | 'measured'
  | 'previewLoading'
  | 'profiles'
  | 'profileLoading'
  | 'profileErrors'
  | 'check'
>;

/** An edge id after a rename. Ports keep their names (a named port called after its upstream
 * node stays as it is, as renameNode leaves it). */
function renameEdge(id: string, { from, to }: Rename): string {
  const e = parseEdgeId(id);
  if (!e || (e.source !== from && e.target !== from)) return id;
  return edgeId(e.source === from ? to : e.source, e.target === from ? to : e.target, e.port);
}

function renameInCheck(c: CheckResponse | null, { from, to }: Rename): CheckResponse | null {
  if (!c) return c;
  return {
    ...c,
    schemas: renameKey(c.schemas, from, to),
    diagnostics: c.diagnostics.map((d) => (d.node === from ? { ...d, node: to } : d)),
  };
}

/** Per-node state moved from the old id to the new one. */
function followRename(s: PerNode, r: Rename): PerNode {
  const { from, to } = r;
  return {
    selection: s.selection.map((x) => (x === from ? to : x)),
    selectedEdges: s.selectedEdges.map((e) => renameEdge(e, r)),
    status: renameKey(s.status, from, to),
    previews: renameKey(s.previews, from, to),
    runHistograms: renameKey(s.runHistograms, from, to),
    checkResults: renameKey(s.checkResults, from, to, (c) => ({ ...c, node: to })),
    measured: renameKey(s.measured, from, to),
    previewLoading: s.previewLoading === from ? to : s.previewLoading,
    profiles: renameKey(s.profiles, from, to, (p) => ({ ...p, profile: { ...p.profile, node: to } })),
    profileLoading: renameKey(s.profileLoading, from, to),
    profileErrors: renameKey(s.profileErrors, from, to),
    check: renameInCheck(s.check, r),
  };
}

/** Per-node state for the document changing from `s.spec` to `next`: keys follow `rename`
 * first, then staleAfter decides what went stale or went away. */
function carryOver(s: State, next: Spec, rename?: Rename): Partial<PerNode> {
  if (!rename) return staleAfter(s, s.spec, next);
  const moved = followRename(s, rename);
  // Compared with the old document under the new id, a rename changes no node: its results
  // and those downstream are as good as before.
  return { ...moved, ...staleAfter({ ...s, ...moved }, renameNode(s.spec, rename.from, rename.to), next) };
}

const reversed = (r: Rename | undefined): Rename | undefined => r && { from: r.to, to: r.from };

/** A node of `kindId` with a fresh readable id and the schema defaults; null for unknown kinds. */
function freshNode(s: State, kindId: string): NodeSpec | null {
  const kind = s.kinds.get(kindId);
  return kind ? { id: newNodeId(s.spec, kindId), kind: kindId, params: initialParams(kind) } : null;
}

export function createAppStore(init?: Partial<State>): StoreApi<Store> {
  return createStore<Store>()((set, get) => ({
    ...initialState(),
    ...init,

    setCatalog(c) {
      set({ catalog: c, kinds: kindMap(c) });
    },

    commit(next, coalesceKey, renamed) {
      const s = get();
      if (next === s.spec) return;
      const now = Date.now();
      // A rename is never folded into an earlier step: that step's entry could not record it.
      const coalesce =
        !renamed &&
        !!coalesceKey &&
        s.lastCoalesce?.key === coalesceKey &&
        now - s.lastCoalesce.at < COALESCE_MS &&
        s.past.length > 0;
      const past = coalesce ? s.past : [...s.past, { spec: s.spec, renamed }].slice(-HISTORY_LIMIT);
      set({
        spec: next,
        past,
        future: [],
        lastCoalesce: coalesceKey ? { key: coalesceKey, at: now } : null,
        ...carryOver(s, next, renamed),
      });
    },

    undo() {
      const s = get();
      const prev = s.past[s.past.length - 1];
      if (!prev) return;
      const ids = new Set(prev.spec.nodes.map((n) => n.id));
      const carried = carryOver(s, prev.spec, reversed(prev.renamed));
      set({
        spec: prev.spec,
        past: s.past.slice(0, -1),
        future: [{ spec: s.spec, renamed: prev.renamed }, ...s.future],
        lastCoalesce: null,
        ...carried,
        selection: (carried.selection ?? s.selection).filter((id) => ids.has(id)),
        selectedEdges: [],
      });
    },

    redo() {
      const s = get();
      const next = s.future[0];
      if (!next) return;
      const ids = new Set(next.spec.nodes.map((n) => n.id));
      const carried = carryOver(s, next.spec, next.renamed);
      set({
        spec: next.spec,
        past: [...s.past, { spec: s.spec, renamed: next.renamed }],
        future: s.future.slice(1),
        lastCoalesce: null,
        ...carried,
        selection: (carried.selection ?? s.selection).filter((id) => ids.has(id)),
        selectedEdges: [],
      });
    },

    loadDocument(spec, path, opts) {
      set({
        spec,
        path,
        savedKey: opts?.dirty ? '' : specKey(spec),
        past: [],
        future: [],
        lastCoalesce: null,
        selection: [],
        selectedEdges: [],
        status: {},
        previews: {},
        runHistograms: {},
        profiles: {},
        profileLoading: {},
        profileErrors: {},
        check: null,
        checkResults: {},
        // One run log per document: the last one's runs say nothing about this one.
        log: [],
        measured: {},
        overrides: {},
        fitRequest: get().fitRequest + 1,
        history: NO_HISTORY,
        runDetail: null,
      });
    },

    restoreRun(path, detail) {
      const s = get();
      if (s.path !== path) return false;
      const ids = new Set(s.spec.nodes.map((n) => n.id));
      const status = { ...s.status };
      let restored = false;
      for (const r of detail.nodes ?? []) {
        const cur = status[r.node];
        if (!ids.has(r.node) || (cur && cur.state !== 'idle')) continue;
        const lastRun: LastRun = { runId: detail.run_id, at: detail.started_at.slice(0, 19), outcome: r.status };
        // Never 'done': the spec or the data may have changed since; the node says when it ran.
        status[r.node] =
          typeof r.rows === 'number'
            ? { state: 'stale', rows: r.rows, ...(typeof r.ms === 'number' ? { ms: r.ms } : {}), lastRun }
            : { state: 'stale', lastRun };
        restored = true;
      }
      const checkResults = { ...s.checkResults };
      for (const c of detail.checks ?? []) {
        // A check's verdict goes with its node's restored status (dimmed as stale).
        if (!ids.has(c.node) || checkResults[c.node] || status[c.node]?.state !== 'stale') continue;
        checkResults[c.node] = c;
        restored = true;
      }
      if (restored) set({ status, checkResults });
      return restored;
    },

    markSaved(spec, path) {
      const moved = path !== get().path;
      set({ spec, path, savedKey: specKey(spec), ...(moved ? { history: NO_HISTORY, runDetail: null } : {}) });
    },

    addNodeOfKind(kindId, pos) {
      const s = get();
      const node = freshNode(s, kindId);
      if (!node) return null;
      get().commit(addNode(s.spec, node, pos));
      set({ selection: [node.id], selectedEdges: [] });
      return node.id;
    },

    addNodeWithParams(kindId, params, center, id) {
      const s = get();
      const fresh = freshNode(s, kindId);
      if (!fresh) return null;
      const taken = new Set(s.spec.nodes.map((n) => n.id));
      const node: NodeSpec = { ...fresh, id: id && !taken.has(id) ? id : fresh.id, params: { ...fresh.params, ...params } };
      get().commit(addNode(s.spec, node, freeSpotNear(s.spec, s.measured, center)));
      set({ selection: [node.id], selectedEdges: [] });
      return node.id;
    },

    addNodeByClick(kindId, center) {
      const s = get();
      const node = freshNode(s, kindId);
      if (!node) return null;
      // The node and its edge in one commit: one undo step takes both away.
      get().commit(addByClick({ spec: s.spec, kinds: s.kinds, selection: s.selection, measured: s.measured, center }, node));
      set({ selection: [node.id], selectedEdges: [] });
      return node.id;
    },

    deleteSelection() {
      const s = get();
      if (s.selection.length > 0) get().deleteNodes(s.selection);
      else if (s.selectedEdges.length > 0) get().deleteEdges(s.selectedEdges);
    },

    deleteNodes(ids) {
      const s = get();
      const next = deleteNodes(s.spec, ids);
      if (next === s.spec) return;
      get().commit(next);
      const gone = new Set(ids);
      set({ selection: s.selection.filter((id) => !gone.has(id)), selectedEdges: [] });
    },

    deleteEdges(edgeIds) {
      const s = get();
      let next = s.spec;
      for (const eid of edgeIds) {
        const e = parseEdgeId(eid);
        if (!e) continue;
        const node = findNode(next, e.target);
        if (node?.inputs?.[e.port] === e.source) next = disconnect(next, e.target, e.port);
      }
      if (next !== s.spec) get().commit(next);
      set({ selectedEdges: [] });
    },

    connect(c) {
      const s = get();
      const r = applyConnection(s.spec, s.kinds, c);
      if (!r) return false;
      get().commit(r.spec);
      return true;
    },

    setParams(id, params, coalesceKey) {
      const s = get();
      get().commit(setNodeFields(s.spec, id, { params }), coalesceKey ?? `params:${id}`);
    },

    setDescription(id, text) {
      get().commit(setNodeFields(get().spec, id, { description: text }), `description:${id}`);
    },

    renameNode(from, to) {
      const s = get();
      const problem = idProblem(s.spec, from, to);
      if (problem) return problem;
      if (from === to) return null;
      get().commit(renameNode(s.spec, from, to), undefined, { from, to });
      return null;
    },

    setSpecMeta(patch) {
      const s = get();
      const next: Spec = { ...s.spec, ...patch };
      if (next.description === '') delete next.description;
      get().commit(next, `meta:${Object.keys(patch).join(',')}`);
    },

    setSpecParams(params, coalesceKey) {
      const s = get();
      const next: Spec = { ...s.spec, params };
      if (Object.keys(params).length === 0) delete next.params;
      get().commit(next, coalesceKey);
    },

    setOverride(name, value) {
      const o = { ...get().overrides };
      if (value === null) delete o[name];
      else o[name] = value;
      set({ overrides: o });
    },

    beginDrag() {
      const s = get();
      if (s.dragging) return;
      set({ dragging: true, past: [...s.past, { spec: s.spec }].slice(-HISTORY_LIMIT), future: [], lastCoalesce: null });
    },

    dragMove(positions) {
      const s = get();
      const next = moveNodes(s.spec, positions);
      if (next !== s.spec) set({ spec: next });
    },

    endDrag() {
      const s = get();
      if (!s.dragging) return;
      const before = s.past[s.past.length - 1];
      // A click without movement leaves no history entry.
      if (before && specKey(before.spec) === specKey(s.spec)) set({ dragging: false, past: s.past.slice(0, -1) });
      else set({ dragging: false });
    },

    moveNodes(positions) {
      const s = get();
      get().commit(moveNodes(s.spec, positions));
    },

    copySelection() {
      const s = get();
      if (s.selection.length === 0) return 0;
      set({ clipboard: copyNodes(s.spec, s.selection), pasteCount: 0 });
      return s.selection.length;
    },

    paste() {
      const s = get();
      if (!s.clipboard || s.clipboard.nodes.length === 0) return [];
      const k = s.pasteCount + 1;
      const r = pasteNodes(s.spec, s.clipboard, { x: 40 * k, y: 40 * k });
      get().commit(r.spec);
      set({ selection: r.ids, selectedEdges: [], pasteCount: k });
      return r.ids;
    },

    selectAll() {
      set({ selection: get().spec.nodes.map((n) => n.id), selectedEdges: [] });
    },

    select(ids, edges = []) {
      set({ selection: ids, selectedEdges: edges });
    },

    setMeasured(sizes) {
      const cur = get().measured;
      let next: typeof cur | null = null;
      for (const [id, size] of Object.entries(sizes)) {
        const m = cur[id];
        if (m && m.width === size.width && m.height === size.height) continue;
        next ??= { ...cur };
        next[id] = size;
      }
      if (next) set({ measured: next });
    },

    requestFit() {
      set({ fitRequest: get().fitRequest + 1 });
    },

    requestFrame() {
      set({ frameRequest: get().frameRequest + 1 });
    },

    setBottom(patch) {
      set(patch);
    },

    toast(t) {
      const id = toastSeq++;
      set({ toasts: [...get().toasts, { ...t, id }].slice(-5) });
      return id;
    },

    dismissToast(id) {
      set({ toasts: get().toasts.filter((t) => t.id !== id) });
    },

    setModal(m) {
      set({ modal: m });
    },

    setConnectionsPanel(panel) {
      set({ connectionsPanel: panel });
    },

    updateConnections(f) {
      const cur = get().connections;
      const next = f(cur);
      if (next !== cur) set({ connections: next });
    },

    setRecovery(r) {
      set({ recovery: r });
    },

    setCheck(r) {
      set({ check: r ? { ...r, diagnostics: r.diagnostics.map(normalizeDiagnostic) } : null });
    },

    startRun() {
      const run = get().runCounter + 1;
      set({ running: true, runCounter: run });
      return run;
    },

    runEvent(e) {
      const s = get();
      const at = Date.now();
      if (e.event === 'node_histograms') {
        set({ runHistograms: { ...s.runHistograms, [e.node]: { histograms: e.histograms, at, stale: false } } });
        return;
      }
      const log = [...s.log, { at, run: s.runCounter, event: e }].slice(-2000);
      const status = { ...s.status };
      let checkResults = s.checkResults;
      let runHistograms = s.runHistograms;
      switch (e.event) {
        case 'run_started':
          for (const n of e.nodes) status[n] = { state: 'idle' };
          checkResults = {};
          // The nodes about to run keep their last histograms, dimmed, until the new ones come.
          if (e.nodes.some((n) => runHistograms[n] && !runHistograms[n].stale)) {
            runHistograms = { ...runHistograms };
            for (const n of e.nodes) if (runHistograms[n] && !runHistograms[n].stale) runHistograms[n] = { ...runHistograms[n], stale: true };
          }
          break;
        case 'check_finished': {
          const { event: _, ...result } = e;
          void _;
          checkResults = { ...checkResults, [e.node]: result };
          break;
        }
        case 'node_skipped':
          status[e.node] = { state: 'skipped', reason: e.reason };
          break;
        case 'node_started':
          status[e.node] = { state: 'running', since: at };
          break;
        case 'node_finished':
          status[e.node] = e.cached ? { state: 'done', rows: e.rows, ms: e.ms, cached: true } : { state: 'done', rows: e.rows, ms: e.ms };
          break;
        case 'node_failed':
          status[e.node] = { state: 'error', message: e.error, code: e.code };
          break;
        case 'run_finished':
          for (const [id, st] of Object.entries(status)) if (st.state === 'running') status[id] = { state: 'idle' };
          break;
        default:
          break;
      }
      set({ log, status, checkResults, runHistograms });
    },

    mergeCheckResults(results) {
      const cur = get().checkResults;
      const missing = results.filter((r) => !cur[r.node]);
      if (missing.length === 0) return;
      const next = { ...cur };
      for (const r of missing) next[r.node] = r;
      set({ checkResults: next });
    },

    runError(message, code, node) {
      const s = get();
      const status = { ...s.status };
      if (node) status[node] = { state: 'error', message, code };
      set({
        status,
        log: [...s.log, { at: Date.now(), run: s.runCounter, event: { event: 'error', message, node, code } }],
      });
    },

    endRun() {
      const status = { ...get().status };
      for (const [id, st] of Object.entries(status)) if (st.state === 'running') status[id] = { state: 'idle' };
      set({ running: false, status });
    },

    setPreview(node, table, limit, ms, opts) {
      const s = get();
      if (opts?.afterRun) {
        const run = s.runHistograms[node];
        const at = run && !run.stale ? run.at : Date.now();
        set({ previews: { ...s.previews, [node]: { table, limit, at, stale: false, afterRun: true } } });
        return;
      }
      set({
        previews: { ...s.previews, [node]: { table, limit, at: Date.now(), stale: false } },
        status: { ...s.status, [node]: { state: 'done', rows: table.total_rows, ms } },
      });
    },

    setPreviewLoading(node) {
      set({ previewLoading: node });
    },

    startProfile(node, sample) {
      const s = get();
      const id = profileSeq++;
      let profileErrors = s.profileErrors;
      if (node in profileErrors) {
        profileErrors = { ...profileErrors };
        delete profileErrors[node];
      }
      set({ profileLoading: { ...s.profileLoading, [node]: { id, sample, at: Date.now(), stale: false } }, profileErrors });
      return id;
    },

    setProfile(id, profile, ms) {
      const s = get();
      const found = Object.entries(s.profileLoading).find(([, r]) => r.id === id);
      if (!found) return null;
      const [node, req] = found;
      const profileLoading = { ...s.profileLoading };
      delete profileLoading[node];
      const kept: ProfileState = { profile: { ...profile, node }, sample: req.sample, at: req.at, stale: req.stale };
      set({
        profiles: { ...s.profiles, [node]: kept },
        profileLoading,
        // Like a preview, a current profile tells the node's row count.
        ...(req.stale ? {} : { status: { ...s.status, [node]: { state: 'done' as const, rows: profile.rows, ms } } }),
      });
      return node;
    },

    failProfile(id, error) {
      const s = get();
      const found = Object.entries(s.profileLoading).find(([, r]) => r.id === id);
      if (!found) return null;
      const [node, req] = found;
      const profileLoading = { ...s.profileLoading };
      delete profileLoading[node];
      set({ profileLoading, profileErrors: { ...s.profileErrors, [node]: { ...error, sample: req.sample } } });
      return node;
    },

    setProfileSample(on) {
      set({ profileSample: on });
    },

    startHistory(path) {
      const s = get();
      const id = historySeq++;
      if (s.history.path === path) set({ history: { ...s.history, loading: id, error: null } });
      else set({ history: { path, runs: null, loading: id, error: null }, runDetail: null });
      return id;
    },

    setHistory(id, runs) {
      const s = get();
      if (s.history.loading !== id || s.history.path !== s.path) return;
      const keep = s.runDetail && runs.some((r) => r.run_id === s.runDetail!.runId);
      set({ history: { ...s.history, runs, loading: null, error: null }, ...(keep ? {} : { runDetail: null }) });
    },

    failHistory(id, message) {
      const s = get();
      if (s.history.loading !== id) return;
      set({ history: { ...s.history, loading: null, error: message } });
    },

    clearHistory() {
      const s = get();
      if (s.history !== NO_HISTORY || s.runDetail) set({ history: NO_HISTORY, runDetail: null });
    },

    startRunDetail(runId) {
      if (runId === null) {
        set({ runDetail: null });
        return 0;
      }
      const id = historySeq++;
      set({ runDetail: { runId, detail: null, loading: id, error: null } });
      return id;
    },

    setRunDetail(id, detail) {
      const d = get().runDetail;
      if (!d || d.loading !== id) return;
      set({ runDetail: { ...d, detail, loading: null, error: null } });
    },

    failRunDetail(id, message) {
      const d = get().runDetail;
      if (!d || d.loading !== id) return;
      set({ runDetail: { ...d, loading: null, error: message } });
    },
  }));
}

export function isDirty(s: Pick<State, 'spec' | 'savedKey'>): boolean {
  return specKey(s.spec) !== s.savedKey;
}

// ----- the app's store and a React hook over it -----

import { createContext, useContext } from 'react';

export const StoreContext = createContext<StoreApi<Store> | null>(null);

export function useStoreApi(): StoreApi<Store> {
  const s = useContext(StoreContext);
  if (!s) throw new Error('no store');
  return s;
}

export function useApp<T>(selector: (s: Store) => T): T {
  return useStore(useStoreApi(), selector);
}
