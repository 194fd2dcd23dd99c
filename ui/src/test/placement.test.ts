import { describe, expect, it } from 'vitest';
import { kindMap } from '../model/catalog';
import { isValidConnection } from '../model/connect';
import { addByClick, freeBelow, freeNear, nodeBoxes, type ClickAdd } from '../model/placement';
import { findNode } from '../model/spec';
import type { NodeSpec, Spec } from '../model/types';
import { fixtureCatalog } from './mockBackend';
import { dist, overlapping, smallSpec } from './helpers';

const kinds = kindMap(fixtureCatalog);
const node = (id: string, kind: string): NodeSpec => ({ id, kind, params: {} });
const ctx = (spec: Spec, selection: string[], more: Partial<ClickAdd> = {}): ClickAdd => ({
  spec,
  kinds,
  selection,
  measured: {},
  center: { x: 1000, y: 1000 },
  ...more,
});


describe('click-to-add placement', () => {
  it('puts the node right of the selected one, same row, wired from its output', () => {
    const spec: Spec = { ...smallSpec(), layout: { ...smallSpec().layout, keep: { x: 240, y: 400 } } };
    const next = addByClick(ctx(spec, ['src']), node('filter_1', 'filter'));
    expect(next.layout!.filter_1).toEqual({ x: 240, y: 0 });
    expect(findNode(next, 'filter_1')!.inputs).toEqual({ input: 'src' });
  });

  it('shifts down until the spot right of the selection is free', () => {
    // keep sits right of src; out sits right of keep.
    let next = addByClick(ctx(smallSpec(), ['src']), node('filter_1', 'filter'));
    expect(next.layout!.filter_1).toEqual({ x: 240, y: 116 }); // below keep (96 high) and a gap
    next = addByClick(ctx(next, ['src']), node('filter_2', 'filter'));
    expect(next.layout!.filter_2).toEqual({ x: 240, y: 232 });
    expect(overlapping(next)).toEqual([]);
  });

  it('uses measured sizes: a taller blocker pushes further, a wider source steps further right', () => {
    const tall = addByClick(ctx(smallSpec(), ['src'], { measured: { keep: { width: 200, height: 150 } } }), node('f', 'filter'));
    expect(tall.layout!.f).toEqual({ x: 240, y: 170 });
    const spec: Spec = { ...smallSpec(), layout: { src: { x: 0, y: 0 }, other: { x: 0, y: 200 } } };
    spec.nodes = spec.nodes.filter((n) => n.id === 'src' || n.id === 'other');
    const wide = addByClick(ctx(spec, ['src'], { measured: { src: { width: 300, height: 96 } } }), node('f', 'filter'));
    expect(wide.layout!.f).toEqual({ x: 340, y: 0 });
  });

  it('wires into the first fixed port, or a new named port', () => {
    const join = addByClick(ctx(smallSpec(), ['keep']), node('join_1', 'join'));
    expect(findNode(join, 'join_1')!.inputs).toEqual({ left: 'keep' });
    const union = addByClick(ctx(smallSpec(), ['keep']), node('union_1', 'union'));
    expect(findNode(union, 'union_1')!.inputs).toEqual({ keep: 'keep' });
    expect(isValidConnection(union, kinds, { source: 'other', target: 'union_1', sourceHandle: 'out', targetHandle: '+' })).toBe(true);
  });

  it('does not continue from a sink, into a source, or from several selected nodes', () => {
    for (const [sel, kind] of [
      [['out'], 'filter'],
      [['keep'], 'read_csv'],
      [['src', 'other'], 'filter'],
      [[], 'filter'],
    ] as const) {
      const next = addByClick(ctx(smallSpec(), [...sel]), node('n', kind));
      expect(findNode(next, 'n')!.inputs).toBeUndefined();
      // Centred on the view (1000, 1000), on the grid: nothing is there.
      expect(next.layout!.n).toEqual({ x: 900, y: 960 });
    }
  });

  it('near the centre, takes the closest free spot, not one on top of a node', () => {
    // The centre of the view is right on keep.
    const next = addByClick(ctx(smallSpec(), [], { center: { x: 340, y: 48 } }), node('n', 'filter'));
    expect(overlapping(next)).toEqual([]);
    expect(dist(next.layout!.n, { x: 240, y: 0 })).toBeLessThanOrEqual(140);
    // Each further click finds another free spot.
    let spec = next;
    for (let i = 0; i < 6; i++) spec = addByClick(ctx(spec, [], { center: { x: 340, y: 48 } }), node(`m${i}`, 'filter'));
    expect(overlapping(spec)).toEqual([]);
  });

  it('counts nodes without a layout entry where the canvas shows them', () => {
    const spec: Spec = { version: 1, name: 'x', nodes: [node('a', 'read_csv')] }; // shown at (0, 400)
    const next = addByClick(ctx(spec, [], { center: { x: 100, y: 448 } }), node('n', 'filter'));
    expect(overlapping(next)).toEqual([]);
  });

  it('freeBelow and freeNear keep a wanted spot that is already free', () => {
    const boxes = nodeBoxes(smallSpec(), {});
    expect(freeBelow({ x: 1000, y: 0 }, boxes)).toEqual({ x: 1000, y: 0 });
    expect(freeNear({ x: 1000, y: 0 }, boxes)).toEqual({ x: 1000, y: 0 });
  });
});
