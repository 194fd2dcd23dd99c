// The data panel's History tab: the recorded runs of the saved document (from the app and from
// `sluice run`), latest first; a click shows one in full: status, error, params, input files,
// per-node rows and times, and its check results.

import { useMemo } from 'react';
import type { RunDetail, RunListing } from '../model/types';
import { formatBytes, nodeStatusClass, paramText, runStatusClass } from '../model/history';
import { sortedChecks } from '../model/checks';
import { formatMs, useController } from '../app/controller';
import { useApp } from '../store/store';
import { formatRows } from './FlowNode';
import { CheckList } from './ChecksView';
import { IconSave, Spinner } from './icons';

function RunStatus({ status }: { status: RunListing['status'] }) {
  return <span className={`pill ${runStatusClass(status)}`}>{status}</span>;
}

function FailedChecks({ n }: { n: number }) {
  if (n === 0)
    return (
      <span className="muted" title="No check failed">
        —
      </span>
    );
  return (
    <span className="text-error" title={`${n} error-severity ${n === 1 ? 'check' : 'checks'} failed`}>
      {n} {n === 1 ? 'check' : 'checks'} failed
    </span>
  );
}

/** One run, one line. A div rather than a <button>: a button's own box does not reliably act as
 * a grid container (engines wrap its content in an anonymous box), which let cells stack and a
 * row grow far taller than its line. Keyboard users pick it with Enter or Space. */
function HistoryRow({ r, selected, onPick }: { r: RunListing; selected: boolean; onPick: () => void }) {
  return (
    <div
      role="row"
      tabIndex={0}
      className={`history-row${selected ? ' selected' : ''}`}
      aria-selected={selected}
      data-testid={`history-row-${r.run_id}`}
      data-status={r.status}
      onClick={onPick}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onPick();
        }
      }}
      title={`${r.run_id} · ${r.pipeline}`}
    >
      <span className="history-cell history-time mono" role="cell" title={r.started_at}>
        {/* To the second: fractions of one do not tell runs apart and would not fit the column. */}
        {r.started_at.replace(/\.\d+$/, '')}
      </span>
      <span className="history-cell" role="cell">
        <RunStatus status={r.status} />
      </span>
      <span className="history-cell history-ms mono" role="cell">
        {formatMs(r.ms)}
      </span>
      <span className="history-cell" role="cell">
        <span className={`history-source ${r.source}`} title={r.source === 'cli' ? 'sluice run' : r.source === 'app' ? 'run from the designer' : r.source}>
          {r.source}
        </span>
      </span>
      <span className="history-cell history-failed" role="cell">
        <FailedChecks n={r.failed_checks} />
      </span>
    </div>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="history-section">
      <div className="history-section-title">{title}</div>
      {children}
    </div>
  );
}

function Detail({ d, ms }: { d: RunDetail; ms: number | null }) {
  const params = Object.entries(d.params ?? {});
  const checks = useMemo(() => sortedChecks(Object.fromEntries(d.checks.map((c) => [c.node, c]))), [d.checks]);
  return (
    <div className="history-detail" data-testid="history-detail" data-status={d.status}>
      <div className="history-detail-head">
        <RunStatus status={d.status} />
        <span className="mono">{d.started_at}</span>
        <span className="muted">→ {d.finished_at.slice(d.finished_at.startsWith(d.started_at.slice(0, 10)) ? 11 : 0)}</span>
        {ms !== null && <span className="mono">{formatMs(ms)}</span>}
        <span className={`history-source ${d.source}`}>{d.source}</span>
        <span className="muted mono history-id" title={`run ${d.run_id} · spec ${d.spec_path} · hash ${d.spec_hash}`}>
          {d.run_id} · {d.spec_hash.slice(0, 12)}
        </span>
      </div>
      {d.error && (
        <div className="history-error" data-testid="history-run-error" role="alert">
          {d.error}
        </div>
      )}
      <Section title="Parameters">
        {params.length === 0 ? (
          <div className="muted">None overridden.</div>
        ) : (
          <dl className="history-params" data-testid="history-params">
            {params.map(([k, v]) => (
              <div key={k}>
                <dt className="mono">{k}</dt>
                <dd className="mono">{paramText(v)}</dd>
              </div>
            ))}
          </dl>
        )}
      </Section>
      <Section title="Input files">
        {d.inputs.length === 0 ? (
          <div className="muted">No input files recorded.</div>
        ) : (
          <div className="mini-table-wrap">
            <table className="mini-table" data-testid="history-inputs">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Path</th>
                  <th className="num">Size</th>
                  <th>Modified</th>
                </tr>
              </thead>
              <tbody>
                {d.inputs.map((f, i) => (
                  <tr key={i}>
                    <td className="mono">{f.node}</td>
                    <td className="mono" title={f.path}>
                      {f.path}
                    </td>
                    <td className="num" title={`${f.bytes.toLocaleString('en-US')} bytes`}>
                      {formatBytes(f.bytes)}
                    </td>
                    <td>{f.modified}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title="Nodes">
        {d.nodes.length === 0 ? (
          <div className="muted">No nodes ran.</div>
        ) : (
          <div className="mini-table-wrap">
            <table className="mini-table" data-testid="history-nodes">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Status</th>
                  <th className="num">Rows</th>
                  <th className="num">Time</th>
                </tr>
              </thead>
              <tbody>
                {d.nodes.map((n) => (
                  <tr key={n.node} data-testid={`history-node-${n.node}`} data-status={n.status}>
                    <td className="mono">{n.node}</td>
                    <td>
                      <span className={`pill ${nodeStatusClass(n.status)}`}>{n.status}</span>
                    </td>
                    <td className={`num${n.rows === null ? ' null' : ''}`}>{n.rows === null ? '—' : formatRows(n.rows)}</td>
                    <td className={`num${n.ms === null ? ' null' : ''}`}>{n.ms === null ? '—' : formatMs(n.ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title="Checks">
        {checks.length === 0 ? <div className="muted">No checks ran.</div> : <CheckList list={checks} inline testId="history-checks" />}
      </Section>
    </div>
  );
}

function DetailPane() {
  const ctrl = useController();
  const sel = useApp((s) => s.runDetail);
  const ms = useApp((s) => s.history.runs?.find((r) => r.run_id === s.runDetail?.runId)?.ms ?? null);
  if (!sel) return <div className="panel-empty">Pick a run to see its parameters, input files, nodes and checks.</div>;
  if (sel.error)
    return (
      <div className="panel-empty error" data-testid="history-detail-error">
        <span>Could not load the run: {sel.error}</span>
        <button className="btn btn-sm" type="button" onClick={() => void ctrl.showRun(sel.runId)}>
          Retry
        </button>
      </div>
    );
  if (!sel.detail)
    return (
      <div className="panel-empty">
        <Spinner /> Loading the run…
      </div>
    );
  return <Detail d={sel.detail} ms={ms} />;
}

export function HistoryView() {
  const ctrl = useController();
  const path = useApp((s) => s.path);
  const history = useApp((s) => s.history);
  const picked = useApp((s) => s.runDetail?.runId ?? null);
  if (!path)
    return (
      <div className="panel-empty" data-testid="history-empty">
        <span>Save the pipeline to keep a history of its runs.</span>
        <button className="btn btn-sm" type="button" onClick={() => void ctrl.save()}>
          <IconSave size={12} /> Save
        </button>
      </div>
    );
  if (history.error && !history.runs)
    return (
      <div className="panel-empty error" data-testid="history-error">
        <span>Could not load the run history: {history.error}</span>
        <button className="btn btn-sm" type="button" onClick={() => void ctrl.loadHistory()}>
          Retry
        </button>
      </div>
    );
  if (!history.runs || history.path !== path)
    return (
      <div className="panel-empty" data-testid="history-loading">
        <Spinner /> Loading the run history…
      </div>
    );
  if (history.runs.length === 0)
    return (
      <div className="panel-empty" data-testid="history-empty">
        <span>
          No runs recorded yet. Runs from the designer (<kbd>Ctrl</kbd> <kbd>Enter</kbd>) and from <span className="mono">sluice run</span> show up here.
        </span>
      </div>
    );
  return (
    <div className="history" data-testid="history-view">
      <div className="history-list" role="table" aria-label="Recorded runs">
        <div className="history-row history-head" role="row">
          <span className="history-cell" role="columnheader">
            Started
          </span>
          <span className="history-cell" role="columnheader">
            Status
          </span>
          <span className="history-cell history-ms" role="columnheader">
            Duration
          </span>
          <span className="history-cell" role="columnheader">
            Source
          </span>
          <span className="history-cell" role="columnheader">
            Checks
          </span>
        </div>
        {history.error && (
          <div className="history-list-error text-error" data-testid="history-error" title={history.error}>
            Could not refresh: {history.error}
          </div>
        )}
        {history.runs.map((r) => (
          <HistoryRow key={r.run_id} r={r} selected={picked === r.run_id} onPick={() => void ctrl.showRun(picked === r.run_id ? null : r.run_id)} />
        ))}
      </div>
      <div className="history-pane">
        <DetailPane />
      </div>
    </div>
  );
}

/** "12 runs" for the panel bar. */
export function HistorySummary() {
  const path = useApp((s) => s.path);
  const history = useApp((s) => s.history);
  if (!path || history.path !== path || !history.runs) return null;
  const n = history.runs.length;
  return (
    <span className="muted" data-testid="history-count">
      {n} {n === 1 ? 'run' : 'runs'}
      {history.loading !== null && <Spinner size={10} />}
    </span>
  );
}
