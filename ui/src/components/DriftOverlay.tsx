// A drift column's baseline (a reference input or an earlier run) against its current input, as
// paired bars per bin: the baseline muted, the current in the accent colour, or in the verdict's
// colour when the column drifted. Hand-drawn SVG in the look of the profile's histograms.

import { formatPercent } from '../model/checks';
import type { DriftDistribution } from '../model/types';

/** `fail` / `warn`: the column drifted, in a check that failed / only warns (or passed). */
export type DriftTone = 'stable' | 'fail' | 'warn';

export const OVERLAY_WIDTH = 260;
export const OVERLAY_HEIGHT = 90;

const PAD_X = 1;
/** The tallest bar's top and the bars' baseline. */
const PLOT_TOP = 16;
const PLOT_BOTTOM = 70;
export const OVERLAY_PLOT_HEIGHT = PLOT_BOTTOM - PLOT_TOP;
const LABEL_Y = 83;
/** About one glyph of the axis font (9.5px monospace). */
const CHAR_W = 5.8;
/** A bar no wider than this, however few bins. */
const MAX_BAR_W = 18;

/** "35.0%", "5.00%", "0%", "<0.01%". */
export const sharePercent = (share: number) => formatPercent(share * 100);

/** The tooltip of one bin: its full label, then both shares. */
export function binTooltip(label: string, reference: number, current: number): string {
  return `${label}\nbaseline ${sharePercent(reference)} · current ${sharePercent(current)}`;
}

function truncate(s: string, n: number): string {
  if (n <= 1) return s.length <= n ? s : '';
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** Whether a detail carries something to draw. */
export function hasDistribution(d: DriftDistribution | null | undefined): d is DriftDistribution {
  return !!d && d.labels.length > 0;
}

const round = (x: number) => Math.round(x * 100) / 100;

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function DriftOverlay({
  column,
  distribution,
  tone = 'stable',
  width = OVERLAY_WIDTH,
  height = OVERLAY_HEIGHT,
  testId,
}: {
  column: string;
  distribution: DriftDistribution;
  tone?: DriftTone;
  width?: number;
  height?: number;
  testId?: string;
}) {
  const { labels } = distribution;
  const n = Math.max(1, labels.length);
  const share = (side: number[], i: number) => {
    const v = side[i];
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
  };
  const max = Math.max(0, ...labels.map((_, i) => Math.max(share(distribution.reference, i), share(distribution.current, i))));
  const scale = max > 0 ? OVERLAY_PLOT_HEIGHT / max : 0;
  const barH = (v: number) => (v <= 0 ? 0 : Math.max(1, v * scale));

  const slot = (width - 2 * PAD_X) / n;
  const gap = Math.min(6, Math.max(1, slot * 0.2));
  const bw = Math.min(MAX_BAR_W, (slot - gap) / 2);

  // Every bin's label when a label of the usual length (3 to 10 glyphs) fits its slot, else every
  // k-th one, left-aligned under its bin with the room of the k slots it stands for.
  const typical = Math.min(10, Math.max(3, median(labels.map((l) => l.length))));
  const step = Math.max(1, Math.ceil((typical * CHAR_W + 3) / slot));

  return (
    <svg
      className={`drift-overlay drift-${tone}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Distribution of ${column}: baseline vs current`}
      data-testid={testId}
    >
      <g className="drift-legend" aria-hidden="true">
        <path className="drift-bar-ref" d={`M${PAD_X} 2h7v7h-7z`} />
        <text x={PAD_X + 10} y={8.5}>
          baseline
        </text>
        <path className="drift-bar-cur" d={`M${PAD_X + 58} 2h7v7h-7z`} />
        <text x={PAD_X + 68} y={8.5}>
          current
        </text>
      </g>
      {max > 0 && (
        <>
          <line x1={PAD_X} x2={width - PAD_X} y1={PLOT_TOP + 0.5} y2={PLOT_TOP + 0.5} className="hist-grid" />
          <text x={width - PAD_X} y={PLOT_TOP - 3} textAnchor="end" className="hist-axis drift-scale">
            {sharePercent(max)}
          </text>
        </>
      )}
      <line x1={PAD_X} x2={width - PAD_X} y1={PLOT_BOTTOM + 0.5} y2={PLOT_BOTTOM + 0.5} className="drift-axis" />
      {labels.map((label, i) => {
        const ref = share(distribution.reference, i);
        const cur = share(distribution.current, i);
        const left = PAD_X + i * slot;
        const x0 = left + (slot - 2 * bw) / 2;
        const hr = barH(ref);
        const hc = barH(cur);
        const shown = i % step === 0;
        const room = Math.min(step, n - i) * slot - 3;
        const text = shown ? truncate(label, Math.floor(room / CHAR_W)) : '';
        return (
          <g key={i} className="drift-bin" data-testid={testId ? `${testId}-bin-${i}` : undefined}>
            <title>{binTooltip(label, ref, cur)}</title>
            {/* The whole column answers the pointer, however low its bars. */}
            <path className="drift-bin-hit" d={`M${round(left)} ${PLOT_TOP}h${round(slot)}V${height}h${-round(slot)}z`} />
            <rect className="drift-bar-ref" x={round(x0)} y={round(PLOT_BOTTOM - hr)} width={round(bw)} height={round(hr)} rx={1} data-share={ref} />
            <rect className="drift-bar-cur" x={round(x0 + bw)} y={round(PLOT_BOTTOM - hc)} width={round(bw)} height={round(hc)} rx={1} data-share={cur} />
            {text && (
              <text
                x={step === 1 ? round(left + slot / 2) : round(left + 1)}
                y={LABEL_Y}
                textAnchor={step === 1 ? 'middle' : 'start'}
                className="hist-axis drift-label"
              >
                {text}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
