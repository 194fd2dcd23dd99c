// The data panel's Checks tab: every data-quality verdict of the last run, worst first, each
// expandable to the failing rows the engine sampled, or, for drift checks, to the per-column tests.

import { useMemo, useState } from 'react';
import type { CheckResult, DriftDetail } from '../model/types';
import {
  countChecks,
  driftColumnType,
  driftCondition,
  driftMethodLabel,
  driftSummary,
  formatDriftScore,
  formatObserved,
  sortedChecks,
  sortedDriftDetails,
  unexpectedText,
} from '../model/checks';
import { findNode } from '../model/spec';
import { useApp, useStoreApi } from '../store/store';
import { CheckStatusIcon, SeverityBadge } from './CheckBadge';
import { DriftOverlay, hasDistribution } from './DriftOverlay';
import { cellText, isNumericType } from './cells';
import { IconChevronDown, IconChevronRight, Spinner } from './icons';

function SampleTable({ node, samples }: { node: string; samples: NonNullable<CheckResult['samples']> }) {
  const numeric = samples.columns.map((c) => isNumericType(c.type));
  return (
    <div className="mini-table-wrap">
      <table className="mini-table" data-testid={`check-samples-${node}`}>
        <thead>
          <tr>
            <th className="mini-rownum">#</th>
            {samples.columns.map((c, i) => (
              <th key={i} className={numeric[i] ? 'num' : ''} title={`${c.name} · ${c.type}`}>
                <span className="th-name">{c.name}</span>
                <span className="th-type">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {samples.rows.map((row, r) => (
            <tr key={r}>
              <td className="mini-rownum">{r + 1}</td>
              {samples.columns.map((_, i) => {
                const v = row[i] ?? null;
                return (
                  <td key={i} className={`${numeric[i] ? 'num' : ''}${v === null ? ' null' : ''}`}>
                    {cellText(v)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const grouped = (n: number) => n.toLocaleString('en-US');

/** One row per compared column, drifted first, with its baseline-vs-current chart when the engine
 * sent the distributions; a column whose test failed gets its error below it. */
function DriftTable({ r, details }: { r: CheckResult; details: DriftDetail[] }) {
  // A drifted column is as serious as the check's verdict; in a passing check it is a warning sign.
  const driftCls = r.status === 'fail' ? 'check-fail' : 'check-warn';
  // Engines that predate the charts send no distributions: no empty column then.
  const charts = details.some((d) => hasDistribution(d.distribution));
  return (
    <div className={`mini-table-wrap drift-wrap${charts ? ' with-charts' : ''}`}>
      <table className="mini-table drift-table" data-testid={`check-details-${r.node}`}>
        <thead>
          <tr>
            <th>Column</th>
            <th>Type</th>
            <th>Test</th>
            <th className="num">Score</th>
            <th className="num" title="The column counts as drifted when its score meets this">
              Drifts when
            </th>
            <th className="num">Reference</th>
            <th className="num">Current</th>
            <th />
            {charts && <th title="Share of rows per bin: the baseline against the current input">Distribution</th>}
          </tr>
        </thead>
        {sortedDriftDetails(details).map((d) => {
          const [method, methodTitle] = driftMethodLabel(d.method);
          return (
            <tbody key={d.column}>
              <tr
                className={d.drifted ? 'drifted' : d.error ? 'errored' : undefined}
                data-testid={`drift-row-${r.node}-${d.column}`}
                data-drifted={d.drifted ? 'true' : 'false'}
              >
                <td className="drift-col mono" title={d.column}>
                  {d.column}
                </td>
                <td className="drift-type" title={d.column_type}>
                  {driftColumnType(d.column_type)}
                </td>
                <td title={methodTitle}>{method}</td>
                <td className={`num${d.score === null ? ' null' : ''}${d.drifted ? ` drift-score ${driftCls}` : ''}`} title={d.score === null ? undefined : String(d.score)}>
                  {formatDriftScore(d)}
                </td>
                <td className="num drift-cond">{driftCondition(d)}</td>
                <td className="num">{grouped(d.reference_rows)}</td>
                <td className="num">{grouped(d.current_rows)}</td>
                <td>
                  {d.drifted ? (
                    <span className={`drift-mark ${driftCls}`}>drifted</span>
                  ) : d.error ? (
                    <span className="drift-mark drift-error">error</span>
                  ) : (
                    <span className="drift-mark drift-stable">stable</span>
                  )}
                </td>
                {charts && (
                  <td className="drift-chart">
                    {hasDistribution(d.distribution) && (
                      <DriftOverlay
                        column={d.column}
                        distribution={d.distribution}
                        tone={d.drifted ? (r.status === 'fail' ? 'fail' : 'warn') : 'stable'}
                        testId={`drift-chart-${r.node}-${d.column}`}
                      />
                    )}
                  </td>
                )}
              </tr>
              {d.error && (
                <tr className="drift-error-row" data-testid={`drift-error-${r.node}-${d.column}`}>
                  <td colSpan={charts ? 9 : 8} title={d.error}>
                    {d.error}
                  </td>
                </tr>
              )}
            </tbody>
          );
        })}
      </table>
    </div>
  );
}

function CheckDetail({ r }: { r: CheckResult }) {
  const hasSamples = !!r.samples && r.samples.rows.length > 0;
  const drift = driftSummary(r);
  return (
    <div className="check-detail">
      <div className={`check-message check-${r.status}`}>{r.message}</div>
      {drift ? (
        <>
          <div className="check-detail-title">
            {drift.text}
            <span className="muted">
              {' '}
              (share {formatObserved(r.observed)}, expected {r.threshold})
            </span>
          </div>
          <DriftTable r={r} details={r.details!} />
        </>
      ) : hasSamples ? (
        <>
          <div className="check-detail-title">
            {r.samples!.rows.length === 1 ? 'A failing row' : `${r.samples!.rows.length} failing rows`}
            {r.unexpected_count !== null && r.unexpected_count > r.samples!.rows.length && (
              <span className="muted"> (a sample of {r.unexpected_count.toLocaleString('en-US')})</span>
            )}
          </div>
          <SampleTable node={r.node} samples={r.samples!} />
        </>
      ) : (
        <div className="muted check-detail-title">
          {r.status === 'pass' ? 'Every row met the expectation.' : 'This check reports no sample rows.'}
        </div>
      )}
    </div>
  );
}

/** The collapsed row's "observed vs expected": "2 of 4 columns drifted" for drift checks. */
function ObservedCell({ r }: { r: CheckResult }) {
  const drift = driftSummary(r);
  if (drift)
    return (
      <span
        className="check-observed mono"
        role="cell"
        title={`observed ${drift.text} (share ${formatObserved(r.observed)}), expected ${r.threshold}`}
      >
        <span className={`check-obs-value check-${r.status}`}>
          {drift.drifted} of {drift.total}
        </span>{' '}
        <span className="check-obs-unit">{drift.total === 1 ? 'column' : 'columns'} drifted</span>
      </span>
    );
  return (
    <span className="check-observed mono" role="cell" title={`observed ${formatObserved(r.observed)}, expected ${r.threshold}`}>
      <span className={`check-obs-value check-${r.status}`}>{formatObserved(r.observed)}</span>
      <span className="check-vs">vs</span>
      <span className="check-threshold">{r.threshold}</span>
    </span>
  );
}

function CheckRow({ r, open, onToggle, selected }: { r: CheckResult; open: boolean; onToggle: () => void; selected: boolean }) {
  const store = useStoreApi();
  // A recorded run's check may be gone from the document since.
  const exists = useApp((s) => !!findNode(s.spec, r.node));
  const unexpected = unexpectedText(r);
  return (
    <div className={`check-item check-${r.status}${open ? ' open' : ''}${selected ? ' selected' : ''}`}>
      <div className="check-row" role="row" data-testid={`check-row-${r.node}`} data-status={r.status} onClick={onToggle}>
        <button
          className="check-toggle"
          type="button"
          aria-expanded={open}
          aria-label={open ? 'Hide details' : 'Show details'}
          onClick={(e) => {
            e.stopPropagation();
            onToggle();
          }}
        >
          {open ? <IconChevronDown size={12} /> : <IconChevronRight size={12} />}
        </button>
        <span className={`check-icon check-${r.status}`} title={r.status} role="cell">
          <CheckStatusIcon status={r.status} size={r.status === 'fail' ? 10 : 12} bare />
        </span>
        <span role="cell" className="check-node-cell">
          {!exists ? (
            <span className="check-node gone mono" title={`${r.node} is no longer in the pipeline`}>
              {r.node}
            </span>
          ) : (
            <button
              className="check-node mono"
              type="button"
              title={`Select ${r.node} on the canvas`}
              onClick={(e) => {
                e.stopPropagation();
                store.getState().select([r.node]);
              }}
            >
              {r.node}
            </button>
          )}
        </span>
        <span className="check-desc" role="cell" title={`${r.check}\n${r.kind}`}>
          {r.check}
        </span>
        <ObservedCell r={r} />
        <span className="check-unexpected" role="cell">
          {unexpected ?? <span className="muted">—</span>}
        </span>
        <span role="cell">
          <SeverityBadge r={r} />
        </span>
      </div>
      {open && <CheckDetail r={r} />}
    </div>
  );
}

function ChecksEmpty() {
  const running = useApp((s) => s.running);
  const checkNodes = useApp((s) => s.spec.nodes.filter((n) => s.kinds.get(n.kind)?.category === 'check').length);
  if (running)
    return (
      <div className="panel-empty">
        <Spinner /> Running…
      </div>
    );
  if (checkNodes === 0)
    return (
      <div className="panel-empty">
        No checks in this pipeline. Add one from <b>Checks</b> in the palette to assert what your data must hold.
      </div>
    );
  return (
    <div className="panel-empty">
      <span>
        {checkNodes === 1 ? 'One check has' : `${checkNodes} checks have`} no result yet. <kbd>Ctrl</kbd> <kbd>Enter</kbd> runs the pipeline.
      </span>
    </div>
  );
}

export function ChecksView() {
  const results = useApp((s) => s.checkResults);
  const list = useMemo(() => sortedChecks(results), [results]);
  if (list.length === 0) return <ChecksEmpty />;
  return <CheckList list={list} />;
}

/** Check results as rows (in the given order), each expandable to its samples or drift table.
 * `inline`: inside another scrolling view (the History tab's run detail) rather than filling the panel. */
export function CheckList({ list, inline = false, testId = 'checks-view' }: { list: CheckResult[]; inline?: boolean; testId?: string }) {
  const selection = useApp((s) => s.selection);
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const toggle = (node: string) => setOpen((o) => ({ ...o, [node]: !o[node] }));
  return (
    <div className={inline ? 'checks inline' : 'checks'} data-testid={testId} role="table" aria-label="Check results">
      <div className="check-row check-head" role="row">
        <span />
        <span />
        <span role="columnheader">Node</span>
        <span role="columnheader">Check</span>
        <span role="columnheader">Observed vs expected</span>
        <span role="columnheader">Unexpected</span>
        <span role="columnheader">Severity</span>
      </div>
      {list.map((r) => (
        <CheckRow key={r.node} r={r} open={!!open[r.node]} onToggle={() => toggle(r.node)} selected={selection.includes(r.node)} />
      ))}
    </div>
  );
}

/** "1 failed · 2 passed" for the panel bar. */
export function ChecksSummary() {
  const results = useApp((s) => s.checkResults);
  const c = countChecks(results);
  if (c.total === 0) return null;
  return (
    <span className="checks-summary" data-testid="checks-summary">
      {c.fail > 0 && <span className="text-error">{c.fail} failed</span>}
      {c.warn > 0 && <span className="text-warn">{c.warn} {c.warn === 1 ? 'warning' : 'warnings'}</span>}
      {c.pass > 0 && <span className="text-ok">{c.pass} passed</span>}
    </span>
  );
}

/** The Checks tab's badge: problems in the colour of the worst, else how many passed. */
export function ChecksTabCount() {
  const results = useApp((s) => s.checkResults);
  const c = countChecks(results);
  if (c.total === 0) return null;
  const problems = c.fail + c.warn;
  const cls = c.fail ? 'bad' : c.warn ? 'warn' : 'good';
  return (
    <span
      className={`tab-count ${cls}`}
      data-testid="tab-checks-count"
      title={problems ? `${c.fail} failed, ${c.warn} with warnings, ${c.pass} passed` : `all ${c.total} passed`}
    >
      {problems || c.total}
    </span>
  );
}
