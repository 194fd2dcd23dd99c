// The bottom panel: for the selected node its data preview, column profiles (charts and
// statistics) and compiled SQL; for the whole run its check results and log; for the saved
// document the history of its recorded runs.

import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Column, ColumnProfile, Histogram, Json, Table } from '../model/types';
import {
  DEFAULT_BOTTOM_HEIGHT,
  shownHistograms,
  useApp,
  useStoreApi,
  type BottomTab,
  type HistogramSource,
  type LogEntry,
  type NodeStatus,
  type ProfileError,
  type ProfileState,
} from '../store/store';
import { DEFAULT_PREVIEW_LIMIT, PROFILE_SAMPLE_ROWS, formatMs, profileSamples, useController } from '../app/controller';
import { columnStats, formatInt, formatNumber, quantileLabel } from '../model/profile';
import { findNode } from '../model/spec';
import { SqlEditor } from './SqlEditor';
import { HistogramChart, formatCount } from './Histogram';
import { formatRows } from './FlowNode';
import { ChecksView, ChecksSummary, ChecksTabCount } from './ChecksView';
import { HistorySummary, HistoryView } from './HistoryView';
import { cellText, isNumericType } from './cells';
import { IconChart, IconChevronDown, IconChevronRight, IconCode, IconHistory, IconList, IconPlay, IconShield, IconTable, Spinner } from './icons';
import { STATUS_WORD } from '../model/checks';

const HEAD_H = 38;

export { isNumericType };

function colWidth(c: Column, rows: Json[][], i: number): number {
  let len = Math.max(c.name.length, c.type.length * 0.85);
  for (let r = 0; r < Math.min(rows.length, 60); r++) len = Math.max(len, cellText(rows[r][i] ?? null).length);
  return Math.round(Math.min(320, Math.max(72, len * 7.2 + 24)));
}

export function DataTable({ table }: { table: Table }) {
  const parent = useRef<HTMLDivElement>(null);
  const widths = useMemo(() => table.columns.map((c, i) => colWidth(c, table.rows, i)), [table]);
  const numeric = useMemo(() => table.columns.map((c) => isNumericType(c.type)), [table]);
  const total = widths.reduce((a, b) => a + b, 0) + 56;
  const rv = useVirtualizer({
    count: table.rows.length,
    getScrollElement: () => parent.current,
    estimateSize: () => 26,
    overscan: 12,
    initialRect: { width: 800, height: 300 },
  });
  const items = rv.getVirtualItems();
  const template = `56px ${widths.map((w) => `${w}px`).join(' ')}`;
  return (
    <div className="dtable" ref={parent} data-testid="data-table" role="table" aria-rowcount={table.rows.length}>
      <div className="dtable-inner" style={{ width: total, height: rv.getTotalSize() + HEAD_H }}>
        <div className="dtable-head" style={{ gridTemplateColumns: template, width: total }} role="row">
          <div className="dtable-rownum-head">#</div>
          {table.columns.map((c, i) => (
            <div key={i} className={`dtable-th${numeric[i] ? ' num' : ''}`} role="columnheader" title={`${c.name} · ${c.type}`}>
              <span className="th-name">{c.name}</span>
              <span className="th-type">{c.type}</span>
            </div>
          ))}
        </div>
        {items.map((it) => {
          const row = table.rows[it.index];
          return (
            <div
              key={it.key}
              className={`dtable-row${it.index % 2 ? ' odd' : ''}`}
              role="row"
              style={{ transform: `translateY(${it.start + HEAD_H}px)`, gridTemplateColumns: template, width: total }}
              data-index={it.index}
            >
              <div className="dtable-rownum">{it.index + 1}</div>
              {table.columns.map((_, i) => {
                const v = row[i] ?? null;
                return (
                  <div key={i} className={`dtable-td${numeric[i] ? ' num' : ''}${v === null ? ' null' : ''}`} role="cell">
                    {cellText(v)}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}

const SOURCE_TEXT: Record<HistogramSource, string> = {
  run: 'from the last run',
  preview: 'from the preview',
  profile: 'from the profile',
};

/** A column's statistics: a grid of label over value, then the quantiles as one row. */
function ColumnStats({ c, stale, sampled }: { c: ColumnProfile; stale: boolean; sampled: number | null }) {
  const note = [stale ? 'The node changed since this profile.' : '', sampled ? `Of a sample of ${formatInt(sampled)} rows.` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`pstats${stale ? ' stale' : ''}`} data-testid={`profile-stats-${c.name}`} title={note || undefined}>
      <dl className="pstats-grid">
        {columnStats(c).map((st) => (
          <div className={`pstat${st.wide ? ' wide' : ''}`} key={st.key} title={st.title ? `${st.title}: ${st.value}` : st.value}>
            <dt>{st.label}</dt>
            <dd className={st.warn ? 'text-warn' : undefined}>{st.value}</dd>
          </div>
        ))}
      </dl>
      {c.quantiles.length > 0 && (
        <div className="pstats-q" role="table" aria-label={`Quantiles of ${c.name}`} style={{ gridTemplateColumns: `repeat(${c.quantiles.length}, minmax(0, 1fr))` }}>
          {c.quantiles.map(([level, v]) => (
            <div
              className="pstats-qcell"
              role="cell"
              key={level}
              title={`${quantileLabel(level)}: ${c.quantiles_approx ? '≈' : ''}${formatNumber(v)}${c.quantiles_approx ? ' (of a 100,000-row sample)' : ''}`}
            >
              <span className="pstats-qlabel">{quantileLabel(level)}</span>
              <span className="pstats-qval">
                {c.quantiles_approx ? '≈' : ''}
                {formatNumber(v)}
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

/** Column profiles: per column a histogram (from whichever of the preview, the last run and the
 * profile is fresher) and, once the node was profiled, its statistics. `total` is the row count
 * the chart's null share is of; without it (a run's histograms cover every row), each column's own
 * count. */
function ProfileView({
  histograms,
  total: rows,
  source,
  profile,
  banner,
}: {
  histograms: Histogram[];
  total: number | null;
  source: HistogramSource;
  profile: ProfileState | undefined;
  banner?: React.ReactNode;
}) {
  const stats = useMemo(() => new Map((profile?.profile.columns ?? []).map((c) => [c.name, c])), [profile]);
  if (histograms.length === 0)
    return (
      <div className="panel-empty">
        {source === 'profile' ? 'The node has no output columns.' : `No column profiles for this ${source}.`}
      </div>
    );
  const sampled = profile?.profile.sampled_rows ?? null;
  return (
    <div className="profile" data-testid="profile" data-source={source}>
      {banner}
      {histograms.map((h) => {
        const c = stats.get(h.column);
        const total = rows ?? h.bins.reduce((a, b) => a + b.count, 0) + h.nulls;
        return (
          <div className="profile-card" key={h.column}>
            <div className="profile-head">
              <span className="mono profile-name" title={h.column}>
                {h.column}
              </span>
              <span className="th-type">{h.type}</span>
            </div>
            <HistogramChart h={h} height={c ? 104 : 120} />
            <div className="profile-foot">
              <span>{h.shape}</span>
              {/* The statistics say it for the profile's own histograms. */}
              {!(c && source === 'profile') && (
                <span className={h.nulls ? 'text-warn' : ''}>
                  {formatCount(h.nulls)} null{total ? ` (${((h.nulls / Math.max(1, total)) * 100).toFixed(h.nulls && h.nulls < total / 100 ? 2 : 1)}%)` : ''}
                </span>
              )}
              <span>{h.bins.length} bins</span>
            </div>
            {c && <ColumnStats c={c} stale={!!profile?.stale} sampled={sampled} />}
          </div>
        );
      })}
    </div>
  );
}

/** A failed profile: its message, where it failed, and a retry. */
function ProfileFailure({ node, error, inline }: { node: string; error: ProfileError; inline: boolean }) {
  const ctrl = useController();
  return (
    <div className={inline ? 'profile-banner error' : 'panel-empty error'} data-testid="profile-error" role="alert">
      <span>
        Profiling <span className="mono">{node}</span> failed
        {error.node && (
          <>
            {' '}
            in <span className="mono">{error.node}</span>
          </>
        )}
        : {error.message} <span className="mono profile-error-code">{error.code}</span>
      </span>
      <button
        className="btn btn-sm"
        type="button"
        // The same request again: a failed exact profile is not retried on a sample.
        onClick={() => void ctrl.profile(node, error.sample === undefined ? {} : { sample: error.sample !== null })}
      >
        Retry
      </button>
    </div>
  );
}

/** Above a sampled profile: that its statistics are estimates, and a way to the exact ones. The
 * sampled profile stays shown while the exact one is computed. */
function ProfileSampledNote({ node, profile, exactLoading }: { node: string; profile: ProfileState; exactLoading: boolean }) {
  const ctrl = useController();
  const { rows, sampled_rows } = profile.profile;
  if (sampled_rows === null) return null;
  return (
    <div className="profile-banner sampled" data-testid="profile-sampled" role="status">
      <span>
        <strong>Sampled:</strong> {formatInt(sampled_rows)} of {formatInt(rows)} rows — statistics are estimates
        {profile.stale && <span className="text-warn"> · stale</span>}
      </span>
      <button
        className="btn btn-sm"
        type="button"
        onClick={() => void ctrl.profile(node, { sample: false })}
        disabled={exactLoading}
        data-testid="profile-exact"
        title={`Profile all ${formatInt(rows)} rows (slower: every row is scanned)`}
      >
        {exactLoading ? (
          <>
            <Spinner size={12} /> Profiling all rows…
          </>
        ) : (
          <>
            <IconChart size={12} /> Profile all rows
          </>
        )}
      </button>
    </div>
  );
}

/** The Profile tab's bar: which rows the statistics are of, and whether that is a sample. */
function ProfileCoverage({ profile }: { profile: ProfileState }) {
  const { rows, sampled_rows } = profile.profile;
  const stale = profile.stale && <span className="text-warn"> · stale</span>;
  if (sampled_rows !== null)
    return (
      <span
        className="profile-coverage sampled"
        data-testid="profile-coverage"
        data-sampled="true"
        title={`Statistics of a random sample of ${formatInt(sampled_rows)} of the ${formatInt(rows)} rows${profile.stale ? '; the node changed since' : ''}`}
      >
        <span className="profile-sampled-tag">sampled</span> {formatInt(sampled_rows)} of {formatInt(rows)} rows
        {stale}
      </span>
    );
  return (
    <span
      className="profile-coverage muted"
      data-testid="profile-coverage"
      data-sampled="false"
      title={`Statistics of all ${formatInt(rows)} rows${profile.stale ? '; the node changed since' : ''}`}
    >
      all {formatInt(rows)} rows profiled
      {stale}
    </span>
  );
}

function SqlView({ node }: { node: string }) {
  const ctrl = useController();
  // Node definitions, not positions, decide the SQL.
  const nodes = useApp((s) => s.spec.nodes);
  const params = useApp((s) => s.spec.params);
  const overrides = useApp((s) => s.overrides);
  const [state, setState] = useState<{ sql?: string; error?: string; loading: boolean }>({ loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    const t = setTimeout(() => {
      ctrl
        .sql(node)
        .then((sql) => live && setState({ sql, loading: false }))
        .catch((e: unknown) => live && setState({ error: e instanceof Error ? e.message : String(e), loading: false }));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [ctrl, node, nodes, params, overrides]);
  if (state.error) return <div className="panel-empty error">The SQL cannot be compiled: {state.error}</div>;
  if (state.sql === undefined) return <div className="panel-empty"><Spinner /> Compiling…</div>;
  return (
    <div className="sql-view" data-testid="sql-view">
      <SqlEditor value={state.sql} readOnly lineNumbers testId="sql-text" />
    </div>
  );
}

function logLine(e: LogEntry['event']): { text: React.ReactNode; cls: string; node?: string } {
  switch (e.event) {
    case 'run_started':
      return { text: <>Run started: {e.pipeline} ({e.nodes.length} nodes)</>, cls: 'info' };
    case 'node_started':
      return { text: <>started <span className="muted">{e.kind}</span></>, cls: 'muted', node: e.node };
    case 'node_finished':
      return e.cached
        ? { text: <>{formatRows(e.rows)} rows, cached</>, cls: 'ok', node: e.node }
        : { text: <>{formatRows(e.rows)} rows in {formatMs(e.ms)}</>, cls: 'ok', node: e.node };
    case 'node_failed':
      return { text: <>failed [{e.code}]: {e.error}</>, cls: 'error', node: e.node };
    case 'output_written':
      return { text: <>wrote {formatRows(e.rows)} rows to <span className="mono">{e.path}</span></>, cls: 'ok', node: e.node };
    case 'check_finished':
      return {
        text: (
          <>
            check {STATUS_WORD[e.status]}: {e.check}
            {e.status !== 'pass' && e.message && <span className="runlog-detail"> · {e.message}</span>}
          </>
        ),
        cls: e.status === 'pass' ? 'ok' : e.status === 'fail' ? 'error' : 'warn',
        node: e.node,
      };
    case 'node_skipped':
      return { text: <>skipped: {e.reason}</>, cls: 'skipped', node: e.node };
    case 'source_mark':
      return { text: <>the next run reads rows with {e.column} &gt; {e.value}</>, cls: 'info', node: e.node };
    case 'source_deletes':
      return {
        text: <>{e.deleted} {e.deleted === 1 ? 'row' : 'rows'} deleted at the source since the last run; merge sinks remove them</>,
        cls: 'info',
        node: e.node,
      };
    case 'run_finished':
      return { text: <>Run {e.status} in {formatMs(e.ms)}</>, cls: e.status === 'success' ? 'ok' : e.status === 'failed' ? 'error' : 'warn' };
    case 'error':
      return { text: <>[{e.code}] {e.message}</>, cls: 'error', node: e.node };
    case 'state_written':
      return { text: <>wrote the fitted state of {e.nodes} {e.nodes === 1 ? 'node' : 'nodes'} to <span className="mono">{e.path}</span></>, cls: 'ok' };
    case 'warning':
      return { text: <>warning [{e.code}]: {e.message}</>, cls: 'warn', node: e.node ?? undefined };
    default: {
      // An event this build does not know yet is shown by name, never a blank window.
      const unknown = e as { event?: unknown };
      return { text: <>{String(unknown.event ?? 'event')}</>, cls: 'muted' };
    }
  }
}

function RunLog() {
  const log = useApp((s) => s.log);
  const store = useStoreApi();
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = end.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log.length]);
  if (log.length === 0) return <div className="panel-empty">No runs yet. <kbd>Ctrl</kbd> <kbd>Enter</kbd> runs the pipeline.</div>;
  return (
    <div className="runlog" data-testid="run-log" ref={end}>
      {log.map((l, i) => {
        const { text, cls, node } = logLine(l.event);
        const first = l.event.event === 'run_started' && i > 0;
        return (
          <div key={i} className={`runlog-line ${cls}${first ? ' sep' : ''}`}>
            <span className="runlog-time mono">{new Date(l.at).toLocaleTimeString([], { hour12: false })}</span>
            {node ? (
              <button className="runlog-node mono" onClick={() => store.getState().select([node])} type="button">
                {node}
              </button>
            ) : (
              <span className="runlog-node" />
            )}
            <span className="runlog-text">{text}</span>
          </div>
        );
      })}
    </div>
  );
}

/** Below this the panel shows its bar and hardly a row; collapsing is for hiding it. */
export const MIN_BOTTOM_HEIGHT = 160;
/** The share of the window the panel may take: the canvas above it stays usable. */
export const MAX_BOTTOM_SHARE = 0.75;

/** A panel height within [MIN_BOTTOM_HEIGHT, MAX_BOTTOM_SHARE of the window]; the minimum wins
 * in a window too small for both. */
export function clampBottomHeight(h: number, windowHeight: number): number {
  return Math.round(Math.max(MIN_BOTTOM_HEIGHT, Math.min(windowHeight * MAX_BOTTOM_SHARE, h)));
}

/** The grip on the panel's top edge: drag it to resize, double-click it for the default height. */
function ResizeGrip({ height }: { height: number }) {
  const store = useStoreApi();
  const setHeight = (h: number) => store.getState().setBottom({ bottomHeight: clampBottomHeight(h, window.innerHeight) });

  const onPointerDown = (e: React.PointerEvent) => {
    if (e.button !== 0) return;
    e.preventDefault(); // no text selection while dragging
    const y0 = e.clientY;
    // Listened to on the window: the pointer leaves the thin grip as soon as it moves.
    const move = (ev: PointerEvent) => setHeight(height + (y0 - ev.clientY));
    const end = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', end);
      window.removeEventListener('pointercancel', end);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', end);
    window.addEventListener('pointercancel', end);
  };

  return (
    <div
      className="resize-handle"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the data panel"
      onPointerDown={onPointerDown}
      onDoubleClick={() => setHeight(DEFAULT_BOTTOM_HEIGHT)}
      title="Drag to resize, double-click to reset"
      data-testid="bottom-resize"
    />
  );
}

const TABS: { id: BottomTab; label: string; icon: React.ReactNode }[] = [
  { id: 'data', label: 'Data', icon: <IconTable size={14} /> },
  { id: 'profile', label: 'Profile', icon: <IconChart size={14} /> },
  { id: 'sql', label: 'SQL', icon: <IconCode size={14} /> },
  { id: 'checks', label: 'Checks', icon: <IconShield size={14} /> },
  { id: 'log', label: 'Run log', icon: <IconList size={14} /> },
  { id: 'history', label: 'History', icon: <IconHistory size={14} /> },
];

/** What the last recorded run did with a node, for a document opened with no results yet. */
function LastRunNote({ status }: { status: Extract<NodeStatus, { state: 'stale' }> }) {
  const run = status.lastRun!;
  const text =
    run.outcome === 'failed'
      ? 'it failed'
      : run.outcome === 'skipped'
        ? 'it was skipped'
        : status.rows !== undefined
          ? `${formatRows(status.rows)} rows`
          : run.outcome;
  return (
    <span className="muted" data-testid="last-run" title={`Run ${run.runId}; the pipeline or its data may have changed since`}>
      Last run {run.at}: {text}.
    </span>
  );
}

export function DataPanel() {
  const store = useStoreApi();
  const ctrl = useController();
  const open = useApp((s) => s.bottomOpen);
  const tab = useApp((s) => s.bottomTab);
  const height = useApp((s) => s.bottomHeight);
  const selection = useApp((s) => s.selection);
  const node = selection.length === 1 ? selection[0] : null;
  const exists = useApp((s) => (node ? !!findNode(s.spec, node) : false));
  const kindHasOutput = useApp((s) => {
    const n = node ? findNode(s.spec, node) : undefined;
    return n ? (s.kinds.get(n.kind)?.output ?? true) : true;
  });
  const sinkInput = useApp((s) => {
    const n = node ? findNode(s.spec, node) : undefined;
    return n ? (Object.values(n.inputs ?? {})[0] ?? null) : null;
  });
  const preview = useApp((s) => (node ? s.previews[node] : undefined));
  // A result restored from the run history when the document was opened.
  const lastRun = useApp((s) => {
    const st = node ? s.status[node] : undefined;
    return st?.state === 'stale' && st.lastRun ? st : null;
  });
  const runHists = useApp((s) => (node ? s.runHistograms[node] : undefined));
  const profiled = useApp((s) => (node ? s.profiles[node] : undefined));
  const profiling = useApp((s) => (node ? s.profileLoading[node] : undefined));
  const profileError = useApp((s) => (node ? s.profileErrors[node] : undefined));
  const sampleOn = useApp((s) => s.profileSample);
  // Whether the Profile button (and opening the tab) profiles a sample: the toggle, or a node
  // known to be large.
  const willSample = useApp((s) => (node ? profileSamples(s, node) : false));
  // The Profile tab, like the node's strip, charts the fresher of the preview, the last run and
  // the profile; the statistics come from the profile.
  const profile = shownHistograms(preview, runHists, profiled);
  const loading = useApp((s) => s.previewLoading);
  const logCount = useApp((s) => s.log.length);
  const path = useApp((s) => s.path);
  const historyLoading = useApp((s) => s.history.loading !== null);
  const [limit, setLimit] = useState(DEFAULT_PREVIEW_LIMIT);

  // Opening the Profile tab (or selecting another node in it) profiles the node unless it has a
  // current profile, one on the way, or a failure to show. Edits do not: Refresh does. A node known
  // to be large is profiled on a sample first (profileSamples); "Profile all rows" asks for the
  // exact profile, which, while current, no reopening replaces.
  const profileTab = open && tab === 'profile' && !!node && exists && kindHasOutput;
  useEffect(() => {
    if (!profileTab || !node) return;
    const s = store.getState();
    const p = s.profiles[node];
    if ((p && !p.stale) || s.profileLoading[node] || s.profileErrors[node]) return;
    void ctrl.profile(node);
  }, [profileTab, node, store, ctrl]);

  // Opening the History tab (or saving the document under another path while it is open) lists
  // its recorded runs afresh: CLI runs may have happened since. Runs from the app refresh it too.
  const historyTab = open && tab === 'history';
  useEffect(() => {
    if (historyTab) void ctrl.loadHistory();
  }, [historyTab, path, ctrl]);

  const profileButton = (testId: string) => node && exists && (
    <button
      className="btn btn-sm"
      onClick={() => void ctrl.profile(node)}
      disabled={!!profiling}
      data-testid={testId}
      type="button"
      title={
        willSample
          ? `Profile a random sample of ${formatInt(PROFILE_SAMPLE_ROWS)} rows${sampleOn ? '' : ' (the node is large: "Profile all rows" profiles every row)'}`
          : 'Profile all rows'
      }
    >
      {profiling ? <Spinner size={12} /> : <IconChart size={12} />} {profiled ? 'Refresh' : 'Profile'}
    </button>
  );

  const previewButton = (testId: string) => node && exists && (
    <button className="btn btn-sm" onClick={() => ctrl.preview(node, limit)} disabled={loading !== null} data-testid={testId} type="button">
      {loading === node ? <Spinner size={12} /> : <IconPlay size={12} />} {preview ? 'Refresh' : 'Preview'}
    </button>
  );

  let body: React.ReactNode;
  // The run-wide tabs do not depend on the selection.
  const runTab = tab === 'log' || tab === 'checks' || tab === 'history';
  if (tab === 'log') body = <RunLog />;
  else if (tab === 'history') body = <HistoryView />;
  else if (tab === 'checks') body = <ChecksView />;
  else if (!node || !exists)
    body = <div className="panel-empty">{selection.length > 1 ? 'Select a single node to see its data.' : 'Select a node to preview its data, profile its columns and see its SQL.'}</div>;
  else if (tab === 'sql') body = <SqlView node={node} />;
  else if (!kindHasOutput)
    body = (
      <div className="panel-empty">
        <span>A sink writes rows but has none of its own to show.</span>
        {sinkInput && (
          <button
            className="btn btn-sm"
            type="button"
            data-testid="preview-sink-input"
            onClick={() => {
              store.getState().select([sinkInput]);
              void ctrl.preview(sinkInput, limit);
            }}
          >
            <IconPlay size={12} /> Preview its input <span className="mono">{sinkInput}</span>
          </button>
        )}
      </div>
    );
  else if (tab === 'profile') {
    const failure = profileError && !profiling ? <ProfileFailure node={node} error={profileError} inline={!!profile} /> : null;
    if (profile)
      body = (
        <ProfileView
          histograms={profile.histograms}
          total={profile.source === 'preview' && preview ? preview.table.total_rows : null}
          source={profile.source}
          profile={profiled}
          banner={
            <>
              {profiled && <ProfileSampledNote node={node} profile={profiled} exactLoading={profiling?.sample === null} />}
              {failure}
            </>
          }
        />
      );
    else if (profiling)
      body = (
        <div className="panel-empty" data-testid="profile-loading">
          <Spinner />
          <span>
            Profiling <span className="mono">{node}</span>
            {profiling.sample ? ` (a sample of ${formatInt(profiling.sample)} rows)` : ' (all rows)'}…
          </span>
          {loading === node ? null : previewButton('preview-empty')}
        </div>
      );
    else if (failure) body = failure;
    else
      body = (
        <div className="panel-empty">
          <span>
            No profile of <span className="mono">{node}</span> yet.
          </span>
          {profileButton('profile-empty')}
          {previewButton('preview-empty')}
        </div>
      );
  } else if (!preview)
    body = (
      <div className="panel-empty">
        {loading === node ? (
          <>
            <Spinner /> Computing a preview of <span className="mono">{node}</span>…
          </>
        ) : (
          <>
            <span>
              No preview of <span className="mono">{node}</span> yet.
            </span>
            {lastRun && <LastRunNote status={lastRun} />}
            {previewButton('preview-empty')}
          </>
        )}
      </div>
    );
  else body = <DataTable table={preview.table} />;

  return (
    <section className={`datapanel${open ? '' : ' collapsed'}`} style={open ? { height } : undefined} aria-label="Data panel">
      {open && <ResizeGrip height={height} />}
      <div className="datapanel-bar">
        <button className="icon-btn" onClick={() => store.getState().setBottom({ bottomOpen: !open })} title={open ? 'Collapse' : 'Expand'} type="button" aria-label="Toggle data panel">
          {open ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
        </button>
        <div className="tabs" role="tablist">
          {TABS.map((t) => (
            <button
              key={t.id}
              role="tab"
              aria-selected={tab === t.id}
              className={`tab${tab === t.id ? ' active' : ''}`}
              onClick={() => store.getState().setBottom({ bottomTab: t.id, bottomOpen: true })}
              data-testid={`tab-${t.id}`}
              type="button"
            >
              {t.icon}
              {t.label}
              {t.id === 'log' && logCount > 0 && <span className="tab-count">{logCount}</span>}
              {t.id === 'checks' && <ChecksTabCount />}
            </button>
          ))}
        </div>
        <div className="datapanel-info">
          {node && exists && !runTab && <span className="mono datapanel-node">{node}</span>}
          {tab === 'checks' && <ChecksSummary />}
          {tab === 'history' && <HistorySummary />}
          {profile && tab === 'profile' && node && exists && kindHasOutput && (
            <span
              className="muted"
              data-testid="profile-source"
              title={`Charts ${profile.source === 'run' ? 'from the last run (all rows)' : profile.source === 'preview' ? 'from the preview' : 'from the profile'}${profile.stale ? '; the node changed since' : ''}`}
            >
              {SOURCE_TEXT[profile.source]}
              {profile.stale && <span className="text-warn"> · stale</span>}
            </span>
          )}
          {profiled && tab === 'profile' && node && exists && kindHasOutput && <ProfileCoverage profile={profiled} />}
          {preview && tab === 'data' && (
            <span className="muted" data-testid="row-count" title={`showing ${formatRows(preview.table.rows.length)} of ${formatRows(preview.table.total_rows)} rows`}>
              showing {formatRows(preview.table.rows.length)} of {formatRows(preview.table.total_rows)} rows
              {preview.stale && <span className="text-warn"> · stale</span>}
            </span>
          )}
        </div>
        <div className="datapanel-actions">
          {tab === 'history' && path && (
            <button
              className="btn btn-sm"
              type="button"
              onClick={() => void ctrl.loadHistory()}
              disabled={historyLoading}
              data-testid="history-refresh"
              title="List the recorded runs again (runs from sluice run show up too)"
            >
              {historyLoading ? <Spinner size={12} /> : <IconHistory size={12} />} Refresh
            </button>
          )}
          {profileTab && (
            <>
              <label
                className="profile-sample"
                title={`Profile a random sample of ${formatInt(PROFILE_SAMPLE_ROWS)} rows instead of all rows (faster on large data)`}
              >
                <button
                  type="button"
                  role="switch"
                  aria-checked={sampleOn}
                  className={`switch${sampleOn ? ' on' : ''}`}
                  onClick={() => store.getState().setProfileSample(!sampleOn)}
                  data-testid="profile-sample-toggle"
                >
                  <span className="switch-knob" />
                </button>
                Sample 100k rows
              </label>
              {profileButton('profile-btn')}
            </>
          )}
          {node && exists && kindHasOutput && tab === 'data' && (
            <>
              <select className="input select select-sm" value={limit} onChange={(e) => setLimit(Number(e.target.value))} aria-label="Rows to preview" title="Rows to preview">
                {[100, 1000, 10000].map((n) => (
                  <option key={n} value={n}>
                    {formatRows(n)} rows
                  </option>
                ))}
              </select>
              {previewButton('preview-btn')}
            </>
          )}
        </div>
      </div>
      {open && <div className="datapanel-body">{body}</div>}
    </section>
  );
}
