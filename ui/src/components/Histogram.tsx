// Histograms as inline SVG: a tiny sparkline for the canvas node, a full chart for the profile.

import type { Histogram } from '../model/types';

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function Sparkline({ h, width = 36, height = 18 }: { h: Histogram; width?: number; height?: number }) {
  const bins = h.bins;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const n = Math.max(1, bins.length);
  const gap = n > 12 ? 0.5 : 1;
  const bw = (width - gap * (n - 1)) / n;
  const total = bins.reduce((a, b) => a + b.count, 0) + h.nulls;
  return (
    <svg
      className={`spark spark-${h.shape}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${h.column} (${h.type})`}
    >
      <title>{`${h.column} · ${h.type}${h.nulls ? ` · ${formatCount(h.nulls)} null` : ''} · ${formatCount(total)} values`}</title>
      {bins.length === 0 ? (
        <line x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} className="spark-empty" />
      ) : (
        bins.map((b, i) => {
          const bh = b.count === 0 ? 0 : Math.max(1.5, (b.count / max) * (height - 1));
          return <rect key={i} x={i * (bw + gap)} y={height - bh} width={Math.max(0.5, bw)} height={bh} rx={0.6} />;
        })
      )}
    </svg>
  );
}

/** A labelled histogram for the profile tab. */
export function HistogramChart({ h, width = 280, height = 120 }: { h: Histogram; width?: number; height?: number }) {
  const padL = 34;
  const padB = 22;
  const padT = 6;
  const innerW = width - padL - 4;
  const innerH = height - padB - padT;
  const bins = h.bins;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const n = Math.max(1, bins.length);
  const gap = n > 20 ? 1 : 2;
  const bw = (innerW - gap * (n - 1)) / n;
  const ticks = [0, max / 2, max];
  const categorical = h.shape === 'categorical';
  const first = bins[0]?.label ?? '';
  const last = bins[bins.length - 1]?.label ?? '';
  return (
    <svg className={`hist hist-${h.shape}`} width="100%" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Histogram of ${h.column}`}>
      {ticks.map((t, i) => {
        const y = padT + innerH - (t / max) * innerH;
        return (
          <g key={i}>
            <line x1={padL} x2={width - 4} y1={y} y2={y} className="hist-grid" />
            <text x={padL - 5} y={y + 3} textAnchor="end" className="hist-axis">
              {formatCount(Math.round(t))}
            </text>
          </g>
        );
      })}
      {bins.map((b, i) => {
        const bh = b.count === 0 ? 0 : Math.max(1, (b.count / max) * innerH);
        const x = padL + i * (bw + gap);
        return (
          <g key={i} className="hist-bar">
            <rect x={x} y={padT + innerH - bh} width={Math.max(1, bw)} height={bh} rx={1.5} />
            <title>{`${b.label}: ${b.count.toLocaleString()}`}</title>
            {categorical && bw > 26 && (
              <text x={x + bw / 2} y={height - 8} textAnchor="middle" className="hist-axis">
                {truncate(b.label, Math.floor(bw / 6))}
              </text>
            )}
          </g>
        );
      })}
      {!categorical && bins.length > 0 && (
        <>
          <text x={padL} y={height - 7} textAnchor="start" className="hist-axis">
            {truncate(first.split(' – ')[0] ?? first, 22)}
          </text>
          <text x={width - 4} y={height - 7} textAnchor="end" className="hist-axis">
            {truncate(lastBound(last), 22)}
          </text>
        </>
      )}
    </svg>
  );
}

function lastBound(label: string): string {
  const parts = label.split(' – ');
  return parts[parts.length - 1] ?? label;
}

function truncate(s: string, n: number): string {
  if (n <= 1) return '';
  return s.length > n ? s.slice(0, Math.max(1, n - 1)) + '…' : s;
}
