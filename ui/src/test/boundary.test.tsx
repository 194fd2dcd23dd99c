// One panel failing to render leaves the rest of the window working, shows its error in place,
// and can be tried again.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { PanelBoundary } from '../components/PanelBoundary';

let broken = true;
function Fragile() {
  if (broken) throw new Error("Cannot destructure property 'text' of undefined");
  return <div data-testid="fragile-ok">fine</div>;
}

afterEach(() => vi.restoreAllMocks());

describe('panel boundaries', () => {
  it('show the error in place of the panel, keep its neighbours, and try again', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    broken = true;
    render(
      <div>
        <PanelBoundary name="inspector">
          <Fragile />
        </PanelBoundary>
        <PanelBoundary name="canvas">
          <div data-testid="canvas-ok">canvas</div>
        </PanelBoundary>
      </div>,
    );
    expect(screen.getByTestId('panel-error-inspector')).toHaveTextContent("Cannot destructure property 'text' of undefined");
    expect(screen.getByTestId('canvas-ok')).toBeTruthy();
    broken = false;
    act(() => {
      fireEvent.click(screen.getByTestId('panel-retry-inspector'));
    });
    expect(screen.getByTestId('fragile-ok')).toBeTruthy();
    expect(screen.queryByTestId('panel-error-inspector')).toBeNull();
  });
});
