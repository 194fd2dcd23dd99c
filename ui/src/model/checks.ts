// Pure helpers over data-quality check results: ordering, tallies and the few number formats
// the node badge, the Checks tab and the run log share.

import type { CheckResult } from './types';

export type CheckStatus = CheckResult['status'];

export interface CheckCounts {
  pass: number;
  warn: number;
  fail: number;
  total: number;
}

// Worst first: an analyst opens the tab to see what broke, not what held.
const RANK: Record<CheckStatus, number> = { fail: 0, warn: 1, pass: 2 };

/** Results worst first; within a status, in the order the run produced them. */
export function sortedChecks(results: Record<string, CheckResult>): CheckResult[] {
  return Object.values(results)
    .map((r, i) => ({ r, i }))
    .sort((a, b) => RANK[a.r.status] - RANK[b.r.status] || a.i - b.i)
    .map((x) => x.r);
}

export function countChecks(results: Record<string, CheckResult> | CheckResult[]): CheckCounts {
  const c: CheckCounts = { pass: 0, warn: 0, fail: 0, total: 0 };
  for (const r of Array.isArray(results) ? results : Object.values(results)) {
    c[r.status] += 1;
    c.total += 1;
  }
  return c;
}

export const STATUS_WORD: Record<CheckStatus, string> = { pass: 'passed', fail: 'failed', warn: 'warning' };

function grouped(n: number): string {
  return n.toLocaleString('en-US');
}

/** Counts as integers with separators; fractions with enough digits that 0.99999 does not read
 * as 1 (which would hide a failure against ">= 1"). */
export function formatObserved(v: CheckResult['observed']): string {
  if (v === null) return '—';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return grouped(v);
  return String(parseFloat(v.toPrecision(6)));
}

export function formatPercent(p: number): string {
  if (p > 0 && p < 0.01) return '<0.01%';
  if (p < 100 && p > 99.99) return '>99.99%';
  return `${p.toFixed(p === 0 || p === 100 ? 0 : p < 10 ? 2 : 1)}%`;
}

/** "18 of 1,000 rows (1.80%)", or null when the check does not count rows. */
export function unexpectedText(r: CheckResult): string | null {
  if (r.unexpected_count === null) return null;
  const pct = r.unexpected_percent === null ? '' : ` (${formatPercent(r.unexpected_percent)})`;
  return `${grouped(r.unexpected_count)} of ${grouped(r.element_count)} rows${pct}`;
}
