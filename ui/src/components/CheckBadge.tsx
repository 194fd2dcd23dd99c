// The verdict of a data-quality check: a status glyph and the small badge a check node wears.

import type { CheckResult } from '../model/types';
import { STATUS_WORD, driftSummary, formatObserved, unexpectedText } from '../model/checks';
import { IconCheck, IconError, IconWarning, IconX } from './icons';

/** `bare` drops the ring of the error glyph, for places that draw their own filled circle. */
export function CheckStatusIcon({ status, size = 12, bare }: { status: CheckResult['status']; size?: number; bare?: boolean }) {
  if (status === 'fail') return bare ? <IconX size={size} strokeWidth={2} /> : <IconError size={size} />;
  if (status === 'warn') return <IconWarning size={size} />;
  return <IconCheck size={size} />;
}

/** Multi-line hover text: what was checked, what was seen, how much failed. */
export function checkTooltip(r: CheckResult): string {
  const drift = driftSummary(r);
  const observed = drift ? `${drift.text} (share ${formatObserved(r.observed)})` : formatObserved(r.observed);
  const lines = [r.check, `observed ${observed} · expected ${r.threshold}`];
  const unexpected = unexpectedText(r);
  if (unexpected) lines.push(`unexpected: ${unexpected}`);
  if (r.status !== 'pass' && r.message) lines.push(r.message);
  return lines.join('\n');
}

/** The severity a result's badge shows: that of its verdict, so a check that only warned reads
 * WARN even when an error severity is configured (what it would do had it failed); a passed
 * check shows the configured one, dimmed by its class. */
export function shownSeverity(r: CheckResult): { word: 'error' | 'warn'; title: string; cls: string } {
  if (r.status === 'warn')
    return {
      word: 'warn',
      title: r.severity === 'error' ? 'A warning: the check did not fail, so nothing downstream was stopped (its severity is error)' : 'A warning: recorded, the run went on',
      cls: 'sev-warn',
    };
  if (r.status === 'fail')
    return r.severity === 'warn'
      ? { word: 'warn', title: 'Failed with severity warn: recorded, the run went on', cls: 'sev-warn' }
      : { word: 'error', title: 'Failed with severity error: nothing downstream of it ran', cls: 'sev-error' };
  return { word: r.severity, title: `Passed; on failure it would ${r.severity === 'error' ? 'stop everything downstream' : 'only warn'}`, cls: `sev-${r.severity} sev-passed` };
}

export function SeverityBadge({ r }: { r: CheckResult }) {
  const s = shownSeverity(r);
  return (
    <span className={`sev ${s.cls}`} title={s.title} data-testid={`severity-${r.node}`} data-severity={s.word}>
      {s.word}
    </span>
  );
}

export function CheckBadge({ result, stale }: { result: CheckResult; stale?: boolean }) {
  return (
    <span
      className={`check-badge check-${result.status}${stale ? ' stale' : ''}`}
      data-testid={`check-${result.node}`}
      data-status={result.status}
      title={stale ? `${checkTooltip(result)}\n(changed since this run)` : checkTooltip(result)}
    >
      <CheckStatusIcon status={result.status} size={10} />
      {STATUS_WORD[result.status]}
    </span>
  );
}
