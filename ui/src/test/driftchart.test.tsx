import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { ChecksView } from '../components/ChecksView';
import { DriftOverlay, OVERLAY_PLOT_HEIGHT, binTooltip } from '../components/DriftOverlay';
import type { CheckResult, DriftDetail, DriftDistribution } from '../model/types';
import { StoreContext, createAppStore } from '../store/store';
import { mockDriftResult } from './mockBackend';

const UNIT_PRICE: DriftDistribution = { labels: ['< 10', '[10, 20)', '≥ 20'], reference: [0.4, 0.35, 0.25], current: [0.2, 0.3, 0.5] };

const detail = (column: string, over: Partial<DriftDetail> = {}): DriftDetail => ({
  column,
  column_type: 'num',
  method: 'wasserstein',
  score: 0.02,
  score_type: 'distance',
  threshold: 0.1,
  drifted: false,
  reference_rows: 17000,
  current_rows: 12000,
  ...over,
});

function driftResult(details: DriftDetail[], status: CheckResult['status'] = 'fail'): CheckResult {
  return { ...mockDriftResult('d', {}, 12000, 17000, 0), check: 'distribution of 3 columns against reference', status, details };
}

/** The Checks tab with these results, the drift check's row opened. */
function openChecks(r: CheckResult) {
  const store = createAppStore();
  store.getState().runEvent({ event: 'check_finished', ...r });
  render(
    <StoreContext.Provider value={store}>
      <ChecksView />
    </StoreContext.Provider>,
  );
  fireEvent.click(screen.getByTestId(`check-row-${r.node}`));
}

const bins = (chart: HTMLElement) => Array.from(chart.querySelectorAll('g.drift-bin'));
const num = (el: Element, attr: string) => Number(el.getAttribute(attr));

describe('the drift overlay chart in the Checks tab', () => {
  it('draws a baseline and a current bar per bin, heights proportional to the shares', () => {
    openChecks(
      driftResult([
        detail('unit_price', { score: 0.31, drifted: true, distribution: UNIT_PRICE }),
        detail('region', { column_type: 'cat', method: 'jensenshannon', distribution: { labels: ['north', 'south'], reference: [0.6, 0.4], current: [0.58, 0.42] } }),
        detail('notes', { column_type: 'cat', method: 'chisquare', score_type: 'p_value', threshold: 0.05, score: null, drifted: true, error: 'no non-null value in reference' }),
      ]),
    );
    const table = screen.getByTestId('check-details-d');
    expect(within(table).getByRole('columnheader', { name: 'Distribution' })).toBeInTheDocument();

    const chart = screen.getByTestId('drift-chart-d-unit_price');
    expect(screen.getByTestId('drift-row-d-unit_price')).toContainElement(chart);
    expect(chart.tagName.toLowerCase()).toBe('svg');
    expect(chart).toHaveAttribute('role', 'img');
    expect(chart).toHaveAttribute('aria-label', 'Distribution of unit_price: baseline vs current');
    expect(num(chart, 'width')).toBe(260);
    expect(num(chart, 'height')).toBe(90);

    // Two bars per label, the baseline first; nothing else in the chart is a rect.
    expect(chart.querySelectorAll('rect')).toHaveLength(2 * UNIT_PRICE.labels.length);
    const groups = bins(chart);
    expect(groups).toHaveLength(3);
    for (const g of groups) {
      const rects = g.querySelectorAll('rect');
      expect(rects).toHaveLength(2);
      expect(rects[0]).toHaveClass('drift-bar-ref');
      expect(rects[1]).toHaveClass('drift-bar-cur');
      expect(num(rects[0], 'x')).toBeLessThan(num(rects[1], 'x'));
    }

    // Heights: the largest share (current 50%) fills the plot, the rest in proportion; bars stand on one line.
    const shares = [...UNIT_PRICE.reference.map((s, i) => [i, 0, s]), ...UNIT_PRICE.current.map((s, i) => [i, 1, s])];
    for (const [i, side, s] of shares) {
      const rect = groups[i].querySelectorAll('rect')[side];
      expect(num(rect, 'height')).toBeCloseTo((s / 0.5) * OVERLAY_PLOT_HEIGHT, 1);
      expect(num(rect, 'y') + num(rect, 'height')).toBeCloseTo(num(groups[0].querySelector('rect')!, 'y') + num(groups[0].querySelector('rect')!, 'height'), 1);
    }
    const [ref0, cur0] = groups[0].querySelectorAll('rect');
    expect(num(ref0, 'height') / num(cur0, 'height')).toBeCloseTo(0.4 / 0.2, 2);

    // Legend, bin labels and the scale.
    expect(within(chart).getByText('baseline')).toBeInTheDocument();
    expect(within(chart).getByText('current')).toBeInTheDocument();
    expect(Array.from(chart.querySelectorAll('text.drift-label')).map((t) => t.textContent)).toEqual(['< 10', '[10, 20)', '≥ 20']);
    expect(chart.querySelector('.drift-scale')).toHaveTextContent('50.0%');

    // A tooltip per bin: the full label and both shares.
    expect(groups.map((g) => g.querySelector('title')?.textContent)).toEqual([
      '< 10\nbaseline 40.0% · current 20.0%',
      '[10, 20)\nbaseline 35.0% · current 30.0%',
      '≥ 20\nbaseline 25.0% · current 50.0%',
    ]);

    // The drifted column's current bars are in the failing verdict's colour, the stable one's in the accent.
    expect(chart).toHaveClass('drift-fail');
    expect(screen.getByTestId('drift-chart-d-region')).toHaveClass('drift-stable');
    expect(screen.getByTestId('drift-chart-d-region').querySelectorAll('rect')).toHaveLength(4);

    // A column without distributions: no chart, its error below the row.
    expect(screen.queryByTestId('drift-chart-d-notes')).toBeNull();
    expect(screen.getByTestId('drift-row-d-notes').querySelector('svg')).toBeNull();
    const error = screen.getByTestId('drift-error-d-notes');
    expect(error).toHaveTextContent('no non-null value in reference');
    expect(error.querySelector('td')).toHaveAttribute('colspan', '9');
  });

  it('a drifted column in a check that passed takes the warning colour', () => {
    openChecks(driftResult([detail('unit_price', { score: 0.31, drifted: true, distribution: UNIT_PRICE }), detail('a'), detail('b'), detail('c')], 'pass'));
    expect(screen.getByTestId('drift-chart-d-unit_price')).toHaveClass('drift-warn');
  });

  it('results from engines without distributions keep the table as it was', () => {
    openChecks(driftResult([detail('price', { drifted: true, score: 0.4 }), detail('notes', { score: null, error: 'no non-null value in input' })]));
    const table = screen.getByTestId('check-details-d');
    expect(within(table).queryByRole('columnheader', { name: 'Distribution' })).toBeNull();
    expect(table.querySelector('svg.drift-overlay')).toBeNull();
    expect(screen.getByTestId('drift-error-d-notes').querySelector('td')).toHaveAttribute('colspan', '8');
    expect(screen.getByTestId('drift-error-d-notes')).toHaveTextContent('no non-null value in input');
  });
});

describe('DriftOverlay', () => {
  it('truncates long labels with an ellipsis and keeps the full label in the tooltip', () => {
    const long = 'enterprise-wholesale-partners';
    const labels = ['web', 'app', long, 'store', 'phone', 'mail', 'fax', 'kiosk', 'partner', 'social', '(other)'];
    const reference = labels.map(() => 1 / labels.length);
    const current = labels.map((_, i) => (i === 2 ? 0.5 : 0.05));
    render(<DriftOverlay column="channel" distribution={{ labels, reference, current }} testId="c" />);
    const chart = screen.getByTestId('c');
    expect(chart.querySelectorAll('rect')).toHaveLength(22);
    const shown = Array.from(chart.querySelectorAll('text.drift-label')).map((t) => t.textContent ?? '');
    expect(shown.some((t) => t.endsWith('…') && long.startsWith(t.slice(0, -1)))).toBe(true);
    expect(shown.every((t) => t.length < long.length)).toBe(true);
    expect(screen.getByTestId('c-bin-2').querySelector('title')).toHaveTextContent(`${long} baseline 9.09% · current 50.0%`);
    expect(binTooltip(long, 1 / 11, 0.5)).toBe(`${long}\nbaseline 9.09% · current 50.0%`);
  });

  it('12 numeric bins: a tooltip on every bin, labels thinned to fit under the bars', () => {
    const labels = ['< 10', ...Array.from({ length: 10 }, (_, i) => `[${10 + i * 10}, ${20 + i * 10})`), '≥ 110'];
    const share = labels.map(() => 1 / 12);
    render(<DriftOverlay column="x" distribution={{ labels, reference: share, current: share }} tone="warn" testId="c" />);
    const chart = screen.getByTestId('c');
    expect(chart).toHaveClass('drift-warn');
    expect(bins(chart).every((g) => g.querySelector('title'))).toBe(true);
    const shown = Array.from(chart.querySelectorAll('text.drift-label')).map((t) => t.textContent);
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.length).toBeLessThan(12);
    expect(shown[0]).toBe('< 10');
    // Equal shares: every bar as tall as the plot.
    expect(Array.from(chart.querySelectorAll('rect')).every((r) => Math.abs(num(r, 'height') - OVERLAY_PLOT_HEIGHT) < 0.01)).toBe(true);
  });

  it('a bin absent from one side has no bar height there', () => {
    render(<DriftOverlay column="x" distribution={{ labels: ['a', 'b'], reference: [1, 0], current: [0.5, 0.5] }} testId="c" />);
    const [refA, curA, refB, curB] = Array.from(screen.getByTestId('c').querySelectorAll('rect'));
    expect(num(refA, 'height')).toBeCloseTo(OVERLAY_PLOT_HEIGHT, 2);
    expect(num(curA, 'height')).toBeCloseTo(OVERLAY_PLOT_HEIGHT / 2, 2);
    expect(num(refB, 'height')).toBe(0);
    expect(num(curB, 'height')).toBeCloseTo(OVERLAY_PLOT_HEIGHT / 2, 2);
    expect(screen.getByTestId('c-bin-1').querySelector('title')?.textContent).toBe('b\nbaseline 0% · current 50.0%');
  });
});
