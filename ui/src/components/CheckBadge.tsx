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
