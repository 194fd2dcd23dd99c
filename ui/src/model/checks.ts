// Pure helpers over data-quality check results: ordering, tallies and the few number formats
// the node badge, the Checks tab and the run log share.

import type { CheckResult, DriftDetail } from './types';

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

// ---------- drift checks (per-column details) ----------

/** Below this a p-value reads in scientific notation ("p = 5.95e-5"). */
export const P_SCIENTIFIC_BELOW = 1e-4;

/** 3 significant digits, trailing zeros dropped: 0.0123 -> "0.0123", 0.5 -> "0.5";
 * below P_SCIENTIFIC_BELOW scientific: 5.95e-5 -> "5.95e-5", 1e-12 -> "1e-12". */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  if (p !== 0 && Math.abs(p) < P_SCIENTIFIC_BELOW) {
    const [mant, exp] = p.toExponential(2).split('e');
    return `${parseFloat(mant)}e${exp.replace('+', '')}`;
  }
  return String(parseFloat(p.toPrecision(3)));
}

/** 4 significant digits: 0.123456 -> "0.1235", 12.3456 -> "12.35". */
export function formatDistance(d: number): string {
  if (!Number.isFinite(d)) return String(d);
  return String(parseFloat(d.toPrecision(4)));
}

/** The score as it reads in the table: "p = 0.0123" for p-values, the bare number for distances. */
export function formatDriftScore(d: DriftDetail): string {
  if (d.score === null) return '—';
  return d.score_type === 'p_value' ? `p = ${formatPValue(d.score)}` : formatDistance(d.score);
}

/** The comparison a column's test uses to call drift: ks p <= t, chi-square and z p < t,
 * distances >= t. Other p-value tests are taken as p < t. */
export function driftComparison(d: DriftDetail): '≤' | '<' | '≥' {
  if (d.score_type === 'distance') return '≥';
  return d.method === 'ks' ? '≤' : '<';
}

/** When the column counts as drifted: "p ≤ 0.05", "p < 0.05", "≥ 0.1". */
export function driftCondition(d: DriftDetail): string {
  const cmp = driftComparison(d);
  const t = d.score_type === 'p_value' ? formatPValue(d.threshold) : formatDistance(d.threshold);
  return d.score_type === 'p_value' ? `p ${cmp} ${t}` : `${cmp} ${t}`;
}

const METHOD_LABEL: Record<string, [short: string, long: string]> = {
  ks: ['KS', 'Kolmogorov-Smirnov test (p-value)'],
  chisquare: ['Chi-square', 'Chi-square test (p-value)'],
  z: ['Z-test', 'Z-test for proportions (p-value)'],
  wasserstein: ['Wasserstein', 'Wasserstein distance (normed)'],
  psi: ['PSI', 'Population stability index'],
  jensenshannon: ['Jensen-Shannon', 'Jensen-Shannon distance'],
};

/** [label, description] of a drift test; unknown methods as they come. */
export function driftMethodLabel(method: string): [string, string] {
  return METHOD_LABEL[method] ?? [method, method];
}

export function driftColumnType(t: string): string {
  return t === 'num' ? 'numeric' : t === 'cat' ? 'categorical' : t;
}

/** Drifted columns first, then those whose test failed, then the stable ones; else the engine's order. */
export function sortedDriftDetails(details: DriftDetail[]): DriftDetail[] {
  const rank = (d: DriftDetail) => (d.drifted ? 0 : d.error ? 1 : 2);
  return details
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map((x) => x.d);
}

/** "2 of 4 columns drifted" for a result with details, else null. */
export function driftSummary(r: CheckResult): { drifted: number; total: number; text: string } | null {
  if (!r.details || r.details.length === 0) return null;
  const total = r.details.length;
  const drifted = r.details.filter((d) => d.drifted).length;
  return { drifted, total, text: `${drifted} of ${total} ${total === 1 ? 'column' : 'columns'} drifted` };
}
