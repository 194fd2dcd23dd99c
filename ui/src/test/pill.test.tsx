import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { StatusPill } from '../components/FlowNode';
import type { Diagnostic } from '../model/types';

const err: Diagnostic = { severity: 'error', code: 'S020', fault: 'spec', node: 'n', path: 'params.keep[0]', message: "column 'x' does not exist" };
const warn: Diagnostic = { severity: 'warning', code: 'W1', fault: 'spec', node: 'n', message: 'careful' };

describe('node status pill', () => {
  it('not run, running, done with rows and time', () => {
    const { rerender } = render(<StatusPill id="n" status={undefined} diags={[]} />);
    expect(screen.getByTestId('status-n')).toHaveTextContent('not run');
    rerender(<StatusPill id="n" status={{ state: 'running', since: 0 }} diags={[]} />);
    expect(screen.getByTestId('status-n')).toHaveAttribute('data-state', 'running');
    rerender(<StatusPill id="n" status={{ state: 'done', rows: 48213, ms: 1530 }} diags={[]} />);
    expect(screen.getByTestId('status-n')).toHaveTextContent('48,213 · 1.53 s');
    expect(screen.getByTestId('status-n')).toHaveAttribute('data-rows', '48213');
  });

  it('a run error shows its message as the tooltip and wins over diagnostics', () => {
    render(<StatusPill id="n" status={{ state: 'error', message: 'boom at row 3' }} diags={[err]} />);
    expect(screen.getByTestId('status-n')).toHaveTextContent('failed');
    expect(screen.getByTestId('status-n')).toHaveAttribute('title', 'boom at row 3');
  });

  it('spec errors and warnings', () => {
    const { rerender } = render(<StatusPill id="n" status={undefined} diags={[err]} />);
    expect(screen.getByTestId('status-n')).toHaveTextContent('1 error');
    expect(screen.getByTestId('status-n')).toHaveAttribute('data-state', 'invalid');
    expect(screen.getByTestId('status-n').getAttribute('title')).toContain("params.keep[0]: column 'x' does not exist");
    rerender(<StatusPill id="n" status={undefined} diags={[warn]} />);
    expect(screen.getByTestId('status-n')).toHaveTextContent('1 warning');
    rerender(<StatusPill id="n" status={{ state: 'stale', rows: 5, ms: 1 }} diags={[]} />);
    expect(screen.getByTestId('status-n')).toHaveTextContent('5 · stale');
  });

  it('a result restored from the recorded runs says which run it is from', () => {
    render(<StatusPill id="n" status={{ state: 'stale', rows: 5, lastRun: { runId: 'r1', at: '2026-12-07 10:00:00', outcome: 'done' } }} diags={[]} />);
    expect(screen.getByTestId('status-n')).toHaveTextContent('5 · last run');
    expect(screen.getByTestId('status-n')).toHaveAttribute('title', 'From the run at 2026-12-07 10:00:00 (done)');
  });
});
