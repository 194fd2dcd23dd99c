import { describe, expect, it } from 'vitest';
import { flowToLayout, specToFlow } from '../model/flow';
import { moveNodes } from '../model/spec';
import { sampleSpec } from './helpers';
import { relativeToSpec } from '../model/paths';

describe('spec <-> flow mapping', () => {
  it('maps nodes with layout positions and edges from inputs with port handles', () => {
    const { nodes, edges } = specToFlow(sampleSpec, { selected: new Set(['features']) });
    expect(nodes).toHaveLength(sampleSpec.nodes.length);
    const join = nodes.find((n) => n.id === 'orders_with_category')!;
    expect(join.position).toEqual({ x: 1200, y: 80 });
    expect(join.type).toBe('sluice');
    expect(nodes.find((n) => n.id === 'features')!.selected).toBe(true);
    const into = edges.filter((e) => e.target === 'orders_with_category');
    expect(into.map((e) => [e.source, e.targetHandle]).sort()).toEqual([
      ['known_channel', 'left'],
      ['product_categories', 'right'],
    ]);
    expect(into.every((e) => e.sourceHandle === 'out')).toBe(true);
    const total = sampleSpec.nodes.reduce((a, n) => a + Object.keys(n.inputs ?? {}).length, 0);
    expect(edges).toHaveLength(total);
  });

  it('round-trips positions through the layout section', () => {
    const { nodes } = specToFlow(sampleSpec);
    expect(flowToLayout(nodes)).toEqual(sampleSpec.layout);
  });

  it('a move changes only the layout: nodes are untouched', () => {
    const moved = moveNodes(sampleSpec, { clean_orders: { x: 733.4, y: 19.6 } });
    expect(moved.nodes).toBe(sampleSpec.nodes);
    expect(JSON.stringify(moved.nodes)).toBe(JSON.stringify(sampleSpec.nodes));
    expect(moved.layout!.clean_orders).toEqual({ x: 733, y: 20 });
    const { layout: _a, ...restA } = moved;
    const { layout: _b, ...restB } = sampleSpec;
    void _a;
    void _b;
    expect(restA).toEqual(restB);
  });

  it('gives nodes without a layout entry a position and keeps measured sizes', () => {
    const spec = { ...sampleSpec, layout: {} };
    const { nodes } = specToFlow(spec, { measured: { orders: { width: 200, height: 90 } } });
    expect(nodes.every((n) => Number.isFinite(n.position.x) && Number.isFinite(n.position.y))).toBe(true);
    expect(nodes.find((n) => n.id === 'orders')!.measured).toEqual({ width: 200, height: 90 });
  });
});

describe('paths written into the spec', () => {
  it('are relative to the spec folder when in it or below, else absolute', () => {
    expect(relativeToSpec('/data/pipelines/a.sluice.json', '/data/pipelines/in/x.csv')).toBe('in/x.csv');
    expect(relativeToSpec('/data/pipelines/a.sluice.json', '/data/orders.csv.gz')).toBe('/data/orders.csv.gz');
    expect(relativeToSpec('/a/b/c/d/e.sluice.json', '/x/y.csv')).toBe('/x/y.csv');
    expect(relativeToSpec(null, '/x/y.csv')).toBe('/x/y.csv');
    expect(relativeToSpec('C:\\work\\p.sluice.json', 'C:\\work\\data\\o.csv')).toBe('data/o.csv');
  });
});
