// Pure helpers over column profiles (the `profile` command): which statistics a column shape
// has, and the number formats the Profile tab uses.

import type { ColumnProfile } from './types';
import { formatPercent } from './checks';

export { formatPercent };

/** Counts: an integer with thousands separators. */
export function formatInt(n: number): string {
  return n.toLocaleString('en-US');
}

/** A statistic: integers with thousands separators; fractions with at most 4 decimals (at
 * least 4 significant digits below 1); exponents for the very large and the very small. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Object.is(v, -0)) v = 0;
  const a = Math.abs(v);
  if (a >= 1e15 || (a > 0 && a < 1e-4)) return exponent(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (a >= 1) return v.toLocaleString('en-US', { maximumFractionDigits: 4 });
  return v.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

function exponent(v: number): string {
  const [m, e] = v.toExponential(3).split('e');
  const mantissa = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
  return `${mantissa}e${e.replace(/^\+/, '')}`;
}

/** A min / max: numbers as formatNumber, text and timestamps as they come. */
export function formatValue(v: ColumnProfile['min']): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return formatNumber(v);
  return String(v);
}

/** "p1", "p50", "p99.9" for a quantile level. */
export function quantileLabel(level: number): string {
  return `p${Math.round(level * 1000) / 10}`;
}

/** "1,234", or "~1,234" when the count is an estimate. */
export function distinctText(c: Pick<ColumnProfile, 'distinct' | 'distinct_approx'>): string {
  return `${c.distinct_approx ? '~' : ''}${formatInt(c.distinct)}`;
}

/** "8 (0.65%)" */
export function nullsText(c: Pick<ColumnProfile, 'nulls' | 'null_percent'>): string {
  return `${formatInt(c.nulls)} (${formatPercent(c.null_percent)})`;
}

export interface Stat {
  key: string;
  label: string;
  value: string;
  title?: string;
  /** Worth a second look: nulls present. */
  warn?: boolean;
  /** Text (a timestamp, a string): takes half a row rather than a third. */
  wide?: boolean;
}

/** The statistics a column shows, in order. Every shape: count, nulls, distinct, min and max;
 * numeric columns also mean, std, zeros and negatives (quantiles come separately). */
export function columnStats(c: ColumnProfile): Stat[] {
  const out: Stat[] = [
    { key: 'count', label: 'count', value: formatInt(c.count), title: 'non-null values' },
    { key: 'nulls', label: 'nulls', value: nullsText(c), warn: c.nulls > 0 },
    {
      key: 'distinct',
      label: 'distinct',
      value: distinctText(c),
      title: c.distinct_approx ? 'distinct values (an estimate)' : 'distinct values',
    },
    { key: 'min', label: 'min', value: formatValue(c.min), wide: typeof c.min === 'string' || typeof c.max === 'string' },
    { key: 'max', label: 'max', value: formatValue(c.max), wide: typeof c.min === 'string' || typeof c.max === 'string' },
  ];
  if (c.shape === 'numeric') {
    const num = (v: number | null) => (v === null ? '—' : formatNumber(v));
    out.push(
      { key: 'mean', label: 'mean', value: num(c.mean) },
      { key: 'std', label: 'std', value: num(c.std), title: 'sample standard deviation' },
      { key: 'zeros', label: 'zeros', value: c.zeros === null ? '—' : formatInt(c.zeros) },
      { key: 'negatives', label: 'negatives', value: c.negatives === null ? '—' : formatInt(c.negatives) },
    );
  }
  return out;
}
