import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { CANVAS_MIN_ZOOM, createAutoFit, fitViewport, FIT_PAD, FRAME_MAX_ZOOM, FRAME_PAD, frameViewport, MIN_FIT_ZOOM, READABLE_ZOOM } from '../model/viewport';
import { mountApp } from './mount';

describe('fitViewport', () => {
  it('fits a small graph at zoom 1, centred', () => {
    expect(fitViewport({ x: 0, y: 0, width: 400, height: 200 }, 1000, 600)).toEqual({ x: 300, y: 200, zoom: 1 });
  });

  it('fits a wide graph whole into the pane, centred', () => {
    // The sample pipeline in the canvas of a 1440x900 window: 2120 x 770 in 844 x 594.
    const v = fitViewport({ x: 0, y: 0, width: 2120, height: 770 }, 844, 594)!;
    expect(v.zoom).toBeCloseTo((844 - 2 * FIT_PAD) / 2120, 6);
    expect(v.x).toBeCloseTo(FIT_PAD, 6); // width-bound: the pad on both sides
    expect(v.x + 2120 * v.zoom).toBeCloseTo(844 - FIT_PAD, 6); // the right end is in view
    expect(v.y + (770 * v.zoom) / 2).toBeCloseTo(594 / 2, 6);
  });

  it('accounts for where the graph starts', () => {
    const v = fitViewport({ x: 100, y: -50, width: 400, height: 200 }, 1000, 600)!;
    expect(v).toEqual({ x: 200, y: 250, zoom: 1 });
  });

  it('shows a graph too big to read from its sources at a readable zoom', () => {
    const b = { x: 0, y: 0, width: 6000, height: 400 };
    expect((844 - 2 * FIT_PAD) / 6000).toBeLessThan(MIN_FIT_ZOOM);
    const v = fitViewport(b, 844, 594)!;
    expect(v.zoom).toBe(READABLE_ZOOM);
    expect(v.x).toBe(FIT_PAD);
    expect(v.y).toBeCloseTo((594 - 400 * READABLE_ZOOM) / 2, 6);
  });

  it('nothing while the pane has no size', () => {
    expect(fitViewport({ x: 0, y: 0, width: 10, height: 10 }, 0, 600)).toBeNull();
  });
});

describe('frameViewport', () => {
  it('centres the bounds with a quarter of their size as room, at most FRAME_MAX_ZOOM', () => {
    const b = { x: 100, y: 50, width: 1000, height: 200 };
    const v = frameViewport(b, 800, 600)!;
    expect(v.zoom).toBeCloseTo(800 / (1000 * (1 + FRAME_PAD)), 6); // width-bound
    expect(v.x + (b.x + b.width / 2) * v.zoom).toBeCloseTo(400, 6);
    expect(v.y + (b.y + b.height / 2) * v.zoom).toBeCloseTo(300, 6);
    // One small node is magnified, but only a little.
    expect(frameViewport({ x: 240, y: 0, width: 200, height: 100 }, 1200, 700)!.zoom).toBe(FRAME_MAX_ZOOM);
  });

  it('never zooms out past the canvas minimum, and needs a pane', () => {
    expect(frameViewport({ x: 0, y: 0, width: 50000, height: 100 }, 800, 600)!.zoom).toBe(CANVAS_MIN_ZOOM);
    expect(frameViewport({ x: 0, y: 0, width: 10, height: 10 }, 800, 0)).toBeNull();
  });
});

describe('auto-fit: following the graph until the user takes over', () => {
  it('is off until a fit request', () => {
    const f = createAutoFit();
    expect(f.following).toBe(false);
    expect(f.resized(800, 600)).toBe(false);
    expect(f.nodesChanged()).toBe(false);
  });

  it('after a request, re-fits when the pane size changes and when nodes change size', () => {
    const f = createAutoFit();
    f.request();
    expect(f.resized(1000, 600)).toBe(true);
    expect(f.resized(1000, 600)).toBe(false); // same size: nothing to do
    expect(f.resized(1000.4, 600)).toBe(false); // sub-pixel jitter
    expect(f.resized(844, 594)).toBe(true); // the side panels took their room
    expect(f.resized(0, 0)).toBe(false); // hidden
    expect(f.nodesChanged()).toBe(true);
  });

  it('stops when the user moves the view, until the next request', () => {
    const f = createAutoFit();
    f.request();
    f.resized(1000, 600);
    f.stop();
    expect(f.following).toBe(false);
    expect(f.resized(844, 594)).toBe(false);
    expect(f.nodesChanged()).toBe(false);
    f.request();
    expect(f.resized(800, 594)).toBe(true);
  });
});

// ----- the canvas -----

/** A ResizeObserver the test drives: `resize(el)` calls the observers watching `el`. */
class FakeRO {
  static all: FakeRO[] = [];
  targets = new Set<Element>();
  constructor(private cb: ResizeObserverCallback) {
    FakeRO.all.push(this);
  }
  observe(el: Element) {
    this.targets.add(el);
  }
  unobserve(el: Element) {
    this.targets.delete(el);
  }
  disconnect() {
    this.targets.clear();
  }
  static resize(el: Element) {
    for (const o of FakeRO.all) if (o.targets.has(el)) o.cb([], o as unknown as ResizeObserver);
  }
}

let realRO: typeof ResizeObserver;
beforeEach(() => {
  realRO = globalThis.ResizeObserver;
  FakeRO.all = [];
  globalThis.ResizeObserver = FakeRO as unknown as typeof ResizeObserver;
});
afterEach(() => {
  globalThis.ResizeObserver = realRO;
});

const SIZES = { src: { width: 200, height: 80 }, other: { width: 200, height: 80 }, keep: { width: 200, height: 100 }, out: { width: 200, height: 100 } };
// smallSpec: x 0..680, y 0..280.
const BOUNDS = { x: 0, y: 0, width: 680, height: 280 };

function setSize(el: HTMLElement, width: number, height: number) {
  Object.defineProperty(el, 'clientWidth', { configurable: true, get: () => width });
  Object.defineProperty(el, 'clientHeight', { configurable: true, get: () => height });
}

function viewport(): { x: number; y: number; zoom: number } {
  const t = (document.querySelector('.react-flow__viewport') as HTMLElement).style.transform;
  const m = /translate\(([-\d.e]+)px, ?([-\d.e]+)px\) scale\(([-\d.e]+)\)/.exec(t);
  if (!m) throw new Error(`no viewport transform in '${t}'`);
  return { x: Number(m[1]), y: Number(m[2]), zoom: Number(m[3]) };
}

function expectViewport(v: { x: number; y: number; zoom: number } | null) {
  const got = viewport();
  expect(got.zoom).toBeCloseTo(v!.zoom, 4);
  expect(got.x).toBeCloseTo(v!.x, 2);
  expect(got.y).toBeCloseTo(v!.y, 2);
}

const settle = () => act(() => new Promise((r) => setTimeout(r, 150)));
/** The view reaches `v`: fits animate, and a loaded machine takes its time getting there. */
const reaches = (v: { x: number; y: number; zoom: number } | null) => waitFor(() => expectViewport(v), { timeout: 5000 });

async function mount() {
  const { store, ctrl } = await mountApp();
  return { store, ctrl, canvas: screen.getByTestId('canvas') };
}

describe('the canvas fits an opened pipeline into the visible pane', () => {
  it('fits again as the pane and the nodes settle, until the user pans or zooms', async () => {
    const { store, canvas } = await mount();
    // Opened before the pane had its size: nothing to fit into yet.
    await settle();
    // The nodes get measured, the pane gets its size: the view follows.
    act(() => store.getState().setMeasured(SIZES));
    setSize(canvas, 1200, 700);
    act(() => FakeRO.resize(canvas));
    await settle();
    await reaches(fitViewport(BOUNDS, 1200, 700));
    // The side panels take their room: fitted again into what is left.
    setSize(canvas, 600, 400);
    act(() => FakeRO.resize(canvas));
    await settle();
    await reaches(fitViewport(BOUNDS, 600, 400));
    expect(viewport().zoom).toBeLessThan(1);

    // The user grabs the view (a pan starts with a pointer down in the canvas, a zoom with a
    // wheel): from now on the view is theirs.
    fireEvent.pointerDown(canvas.querySelector('.react-flow__pane')!);
    const theirs = viewport();
    setSize(canvas, 1000, 500);
    act(() => FakeRO.resize(canvas));
    act(() => store.getState().setMeasured({ keep: { width: 200, height: 160 } }));
    await settle();
    expect(viewport()).toEqual(theirs);

    // Auto-layout (or opening again) asks for a fit: the view follows again.
    act(() => store.getState().requestFit());
    await act(() => new Promise((r) => setTimeout(r, 500))); // the request animates (200 ms)
    await reaches(fitViewport(BOUNDS, 1000, 500)); // keep is taller, still within the bounds
  });

  it('a wheel zoom also stops the following', async () => {
    const { store, canvas } = await mount();
    act(() => store.getState().setMeasured(SIZES));
    setSize(canvas, 1200, 700);
    act(() => FakeRO.resize(canvas));
    await settle();
    fireEvent.wheel(canvas.querySelector('.react-flow__pane')!, { deltaY: -100 });
    const theirs = viewport();
    setSize(canvas, 600, 400);
    act(() => FakeRO.resize(canvas));
    await settle();
    expect(viewport()).toEqual(theirs);
  });

  it('adding nodes stops the following: the view stays where the user builds', async () => {
    const { store, canvas } = await mount();
    act(() => store.getState().setMeasured(SIZES));
    setSize(canvas, 1200, 700);
    act(() => FakeRO.resize(canvas));
    await reaches(fitViewport(BOUNDS, 1200, 700));
    const before = viewport();
    act(() => {
      store.getState().addNodeOfKind('filter', { x: 900, y: 400 });
    });
    act(() => store.getState().setMeasured({ filter_1: { width: 200, height: 100 } }));
    setSize(canvas, 600, 400);
    act(() => FakeRO.resize(canvas));
    await settle();
    expect(viewport()).toEqual(before);
  });
});

describe('F frames the selection', () => {
  it('zooms to the selected nodes, else the whole graph, and the view stops following', async () => {
    const { store, canvas } = await mount();
    act(() => store.getState().setMeasured(SIZES));
    setSize(canvas, 1200, 700);
    act(() => FakeRO.resize(canvas));
    await settle();
    await reaches(fitViewport(BOUNDS, 1200, 700)); // still following the open

    act(() => store.getState().select(['keep', 'out']));
    fireEvent.keyDown(document.body, { key: 'f' });
    await act(() => new Promise((r) => setTimeout(r, 500))); // it animates (200 ms)
    // keep and out: x 240..680, y 0..100.
    await reaches(frameViewport({ x: 240, y: 0, width: 440, height: 100 }, 1200, 700));
    expect(viewport().zoom).toBe(FRAME_MAX_ZOOM);

    // Framing is the user's view: the pane changing size no longer fits the graph.
    const framed = viewport();
    setSize(canvas, 600, 400);
    act(() => FakeRO.resize(canvas));
    await settle();
    expect(viewport()).toEqual(framed);

    // Nothing selected: the whole graph.
    act(() => store.getState().select([]));
    fireEvent.keyDown(document.body, { key: 'f' });
    await act(() => new Promise((r) => setTimeout(r, 500)));
    await reaches(frameViewport(BOUNDS, 600, 400));
  });
});
