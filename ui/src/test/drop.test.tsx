// Nodes dropped from the palette land where they are dropped, or at the nearest free spot when
// that one is taken: never on top of a neighbour.
import { describe, expect, it } from 'vitest';
import { act, createEvent, fireEvent } from '@testing-library/react';
import { KIND_MIME } from '../components/Canvas';
import { dropPosition, nodeBoxes } from '../model/placement';
import type { Position } from '../model/types';
import { mountApp } from './mount';
import { dist, overlapping, smallSpec } from './helpers';


function viewport(): { x: number; y: number; zoom: number } {
  const t = (document.querySelector('.react-flow__viewport') as HTMLElement).style.transform;
  const m = /translate\(([-\d.e]+)px, ?([-\d.e]+)px\) scale\(([-\d.e]+)\)/.exec(t);
  if (!m) throw new Error(`no viewport transform in '${t}'`);
  return { x: Number(m[1]), y: Number(m[2]), zoom: Number(m[3]) };
}

/** Drop a palette kind at a flow position (the canvas sits at the page's origin in jsdom). */
function dropAt(kind: string, at: Position) {
  const v = viewport();
  const data: Record<string, string> = { [KIND_MIME]: kind, 'text/plain': kind };
  const canvas = document.querySelector('.canvas') as HTMLElement;
  // jsdom has no DragEvent: the event's pointer and data are set on a plain one.
  const ev = createEvent.drop(canvas);
  const props = {
    clientX: at.x * v.zoom + v.x,
    clientY: at.y * v.zoom + v.y,
    dataTransfer: { types: Object.keys(data), getData: (t: string) => data[t] ?? '', dropEffect: 'copy' },
  };
  for (const [k, val] of Object.entries(props)) Object.defineProperty(ev, k, { value: val });
  fireEvent(canvas, ev);
}

describe('dropping a node from the palette', () => {
  it('onto a node: it goes to the nearest free spot instead of on top of it', async () => {
    const { store } = await mountApp();
    // Right over `keep` (240, 0; 200 × 96).
    await act(async () => dropAt('filter', { x: 340, y: 30 }));
    const s = store.getState();
    const added = s.spec.nodes.find((n) => !smallSpec().nodes.some((m) => m.id === n.id))!;
    expect(added.kind).toBe('filter');
    expect(s.selection).toEqual([added.id]);
    expect(overlapping(s.spec)).toEqual([]);
    // Near where it was dropped, not anywhere free.
    expect(dist(s.spec.layout![added.id], { x: 240, y: 0 })).toBeLessThanOrEqual(160);
    // A second drop at the same spot finds another free place.
    await act(async () => dropAt('filter', { x: 340, y: 30 }));
    expect(store.getState().spec.nodes).toHaveLength(6);
    expect(overlapping(store.getState().spec)).toEqual([]);
  });

  it('onto free canvas: it lands under the cursor, on the grid', async () => {
    const { store } = await mountApp();
    await act(async () => dropAt('filter', { x: 1000, y: 724 }));
    const s = store.getState();
    expect(s.spec.layout![s.selection[0]]).toEqual({ x: 900, y: 700 });
  });
});

describe('dropPosition', () => {
  it('keeps a free spot, moves off a taken one, and counts measured sizes', () => {
    const spec = smallSpec();
    expect(dropPosition(spec, {}, { x: 1100, y: 24 })).toEqual({ x: 1000, y: 0 });
    const onKeep = dropPosition(spec, {}, { x: 340, y: 24 });
    expect(onKeep).not.toEqual({ x: 240, y: 0 });
    // `keep` measured taller: the spot found clears its real size.
    const tall = dropPosition(spec, { keep: { width: 200, height: 300 } }, { x: 340, y: 24 });
    const boxes = nodeBoxes(spec, { keep: { width: 200, height: 300 } });
    for (const b of boxes)
      expect(tall.x >= b.x + b.width || b.x >= tall.x + 200 || tall.y >= b.y + b.height || b.y >= tall.y + 96).toBe(true);
  });
});
