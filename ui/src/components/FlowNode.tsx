// The one canvas node component: every kind renders through it, driven by the catalog.

import { memo, useEffect, useMemo } from 'react';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { NEW_PORT, OUT_HANDLE } from '../model/connect';
import { nodePorts } from '../model/catalog';
import { findNode } from '../model/spec';
import type { FlowNode as FlowNodeT } from '../model/flow';
import type { CheckResult, Diagnostic } from '../model/types';
import { shownHistograms, useApp, type NodeStatus } from '../store/store';
import { CategoryIcon, IconCheck, IconError, IconSkip, IconWarning, Spinner } from './icons';
import { CheckBadge, checkTooltip } from './CheckBadge';
import { Sparkline } from './Histogram';
import { formatMs } from '../app/controller';

const EMPTY: Diagnostic[] = [];
/** Column histograms in a node's strip: one row; the rest are counted. */
export const STRIP_MAX = 6;

export function formatRows(n: number): string {
  return n.toLocaleString('en-US');
}

/** `check` is the node's data-quality verdict, if it is a check node that ran: a failed check
 * ran to completion (it passes rows through) yet must read as an error, a warning as a warning. */
export function StatusPill({
  id,
  status,
  diags,
  check,
}: {
  id: string;
  status: NodeStatus | undefined;
  diags: Diagnostic[];
  check?: CheckResult;
}) {
  const errors = diags.filter((d) => d.severity === 'error');
  const warnings = diags.filter((d) => d.severity === 'warning');
  const list = (ds: Diagnostic[]) => ds.map((d) => `${d.path ? d.path + ': ' : ''}${d.message}`).join('\n');
  const st = status ?? { state: 'idle' as const };
  let cls = 'idle';
  let icon: React.ReactNode = null;
  let text = 'not run';
  let title = 'Not run yet';
  if (st.state === 'error') {
    cls = 'error';
    icon = <IconError size={11} />;
    text = 'failed';
    title = st.message;
  } else if (st.state === 'running') {
    cls = 'running';
    icon = <Spinner size={10} />;
    text = 'running';
    title = 'Running';
  } else if (st.state === 'skipped') {
    cls = 'skipped';
    icon = <IconSkip size={11} />;
    text = 'skipped';
    title = st.reason;
  } else if (errors.length > 0) {
    cls = 'error';
    icon = <IconError size={11} />;
    text = `${errors.length} ${errors.length === 1 ? 'error' : 'errors'}`;
    title = list(errors);
  } else if (st.state === 'done') {
    const failed = check?.status === 'fail';
    const warned = warnings.length > 0 || check?.status === 'warn';
    cls = failed ? 'error' : warned ? 'done warn' : 'done';
    icon = failed ? <IconError size={11} /> : warned ? <IconWarning size={11} /> : <IconCheck size={11} />;
    text = `${formatRows(st.rows)} · ${st.cached ? 'cached' : formatMs(st.ms)}`;
    title = [
      st.cached ? `${formatRows(st.rows)} rows, reused from the cache (nothing it depends on changed)` : `${formatRows(st.rows)} rows in ${formatMs(st.ms)}`,
      check && check.status !== 'pass' ? check.message : '',
      warnings.length ? list(warnings) : '',
    ]
      .filter(Boolean)
      .join('\n');
  } else if (st.state === 'stale') {
    cls = 'stale';
    // A result restored from the recorded runs is the last run's, not one of an earlier edit.
    const what = st.lastRun ? 'last run' : 'stale';
    text = st.rows !== undefined ? `${formatRows(st.rows)} · ${what}` : what;
    title = st.lastRun ? `From the run at ${st.lastRun.at} (${st.lastRun.outcome})` : 'Changed since it last ran';
  } else if (warnings.length > 0) {
    cls = 'warn';
    icon = <IconWarning size={11} />;
    text = `${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'}`;
    title = list(warnings);
  }
  return (
    <span
      className={`pill pill-${cls.split(' ').join(' pill-')}`}
      data-testid={`status-${id}`}
      data-state={st.state === 'idle' && errors.length ? 'invalid' : st.state}
      data-rows={st.state === 'done' ? st.rows : undefined}
      title={title}
    >
      {icon}
      <span className="pill-text">{text}</span>
    </span>
  );
}

/** A check node's one line under its head, there before and after a run so that a verdict
 * never changes the node's size (a taller node would cover the one below it): the failure
 * message, else what was checked, else that it has not run; cut to one line, in full on hover. */
function CheckLine({ id, result, stale }: { id: string; result: CheckResult | undefined; stale: boolean }) {
  const failing = result && result.status !== 'pass' && !stale;
  const text = failing ? result.message : result ? result.check : 'not checked yet';
  return (
    <div
      className={`fnode-check-msg check-${failing ? result.status : 'none'}${stale ? ' stale' : ''}`}
      data-testid={`check-line-${id}`}
      title={result ? (failing ? result.message : checkTooltip(result)) : 'Run the pipeline to check'}
    >
      <span className="fnode-check-text" data-testid={failing ? `check-message-${id}` : undefined}>
        {text}
      </span>
    </div>
  );
}

function FlowNodeView({ id, selected }: NodeProps<FlowNodeT>) {
  const node = useApp((s) => findNode(s.spec, id));
  const kind = useApp((s) => (node ? s.kinds.get(node.kind) : undefined));
  const status = useApp((s) => s.status[id]);
  const check = useApp((s) => s.check);
  const preview = useApp((s) => s.previews[id]);
  const runHists = useApp((s) => s.runHistograms[id]);
  const profiled = useApp((s) => s.profiles[id]);
  const result = useApp((s) => s.checkResults[id]);
  const diags = useMemo(() => check?.diagnostics.filter((d) => d.node === id) ?? EMPTY, [check, id]);
  const ports = node ? nodePorts(kind, node) : [];
  const portKey = ports.join('\n');
  const updateInternals = useUpdateNodeInternals();
  // Handles moved (a named port came or went): let xyflow re-measure them.
  useEffect(() => updateInternals(id), [portKey, kind, id, updateInternals]);
  if (!node) return null;
  const named = kind?.inputs.type === 'named';
  const hasOutput = kind?.output ?? true;
  const category = kind?.category ?? 'transform';
  // From the fresher of the preview, the last run and the profile.
  const shown = shownHistograms(preview, runHists, profiled);
  const allHists = shown?.histograms ?? [];
  const hists = allHists.slice(0, STRIP_MAX);
  const moreHists = allHists.slice(STRIP_MAX);
  const hasError = diags.some((d) => d.severity === 'error') || status?.state === 'error' || result?.status === 'fail';
  const hasWarn = !hasError && result?.status === 'warn';
  const skipped = status?.state === 'skipped';
  // A result outlives edits to its node (the Checks tab keeps listing it); dim it when stale.
  const resultStale = status?.state === 'stale';
  const portProblem = (p: string) => diags.find((d) => d.path === `inputs.${p}`)?.message;
  const portInfo = (p: string) => (kind?.inputs.type === 'fixed' ? kind.inputs.ports.find((x) => x.name === p) : undefined);
  const portDoc = (p: string) => {
    const info = portInfo(p);
    return info && (info.optional ? `${info.doc} (optional)` : info.doc);
  };
  return (
    <div
      className={`fnode cat-${category}${selected ? ' selected' : ''}${hasError ? ' has-error' : ''}${hasWarn ? ' has-warn' : ''}${skipped ? ' skipped' : ''}${!kind ? ' unknown' : ''}`}
      data-testid={`node-${id}`}
      title={status?.state === 'skipped' ? `Skipped: ${status.reason}` : undefined}
    >
      <div className="fnode-head">
        <span className="fnode-icon">
          <CategoryIcon category={category} size={14} />
        </span>
        <div className="fnode-titles">
          <div className="fnode-title" title={kind?.title ?? node.kind}>
            {kind?.title ?? `Unknown kind '${node.kind}'`}
          </div>
          <div className="fnode-id" title={node.description ? `${id}: ${node.description}` : id}>
            {id}
          </div>
          <div className="fnode-status">
            <StatusPill id={id} status={status} diags={diags} check={resultStale ? undefined : result} />
            {result && <CheckBadge result={result} stale={resultStale} />}
            {kind?.stateful && (
              <span className="fnode-fitted" title="Fits on training rows; the fit is saved in the state file and re-applied in serving">
                fitted
              </span>
            )}
          </div>
        </div>
        {hasOutput && (
          <Handle
            type="source"
            position={Position.Right}
            id={OUT_HANDLE}
            className="h-out"
            data-testid={`handle-out-${id}`}
            title="Output: drag to an input"
          />
        )}
      </div>
      {category === 'check' && <CheckLine id={id} result={result} stale={resultStale} />}
      {(ports.length > 0 || named) && (
        <div className="fnode-ports">
          {ports.map((p) => (
            <div
              className={`fnode-port${node.inputs?.[p] ? ' connected' : ''}${portProblem(p) ? ' port-error' : ''}`}
              key={p}
              title={portProblem(p) ?? portDoc(p) ?? p}
            >
              <Handle type="target" position={Position.Left} id={p} className="h-in" data-testid={`handle-in-${id}-${p}`} />
              <span className="fnode-port-name">{p}</span>
              {!node.inputs?.[p] && portInfo(p)?.optional && <span className="fnode-port-opt">optional</span>}
              {node.inputs?.[p] && (
                <span className="fnode-port-src" title={`${p} ← ${node.inputs[p]}`}>
                  {node.inputs[p]}
                </span>
              )}
            </div>
          ))}
          {named && (
            <div className="fnode-port add" title={kind?.inputs.type === 'named' ? kind.inputs.doc : ''}>
              <Handle type="target" position={Position.Left} id={NEW_PORT} className="h-in h-new" data-testid={`handle-in-${id}-${NEW_PORT}`} />
              <span className="fnode-port-name">+ add input</span>
            </div>
          )}
        </div>
      )}
      {shown && hists.length > 0 && (
        <div
          className={`fnode-spark${shown.stale ? ' stale' : ''}`}
          data-testid={`hists-${id}`}
          data-source={shown.source}
          data-stale={shown.stale}
        >
          {hists.map((h) => (
            <Sparkline key={h.column} h={h} />
          ))}
          {moreHists.length > 0 && (
            <span className="fnode-spark-more" title={moreHists.map((h) => `${h.column} · ${h.type}`).join('\n')}>
              +{moreHists.length}
            </span>
          )}
        </div>
      )}
    </div>
  );
}

export const FlowNode = memo(FlowNodeView);
