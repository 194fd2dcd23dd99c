// Auto-layout: left to right layers with dagre.

import dagre from '@dagrejs/dagre';
import type { Position, Spec } from './types';

export const NODE_WIDTH = 200;
/** The height assumed for a node the canvas has not measured yet. */
export const NODE_HEIGHT = 96;

export function autoLayout(spec: Spec, sizes: Record<string, { width: number; height: number }> = {}): Record<string, Position> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 36, ranksep: 56, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of spec.nodes) {
    const s = sizes[n.id] ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
    g.setNode(n.id, { width: s.width, height: s.height });
  }
  for (const n of spec.nodes)
    for (const src of Object.values(n.inputs ?? {})) if (spec.nodes.some((m) => m.id === src)) g.setEdge(src, n.id);
  dagre.layout(g);
  const out: Record<string, Position> = {};
  for (const n of spec.nodes) {
    const p = g.node(n.id);
    const s = sizes[n.id] ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
    out[n.id] = { x: Math.round(p.x - s.width / 2), y: Math.round(p.y - s.height / 2) };
  }
  return out;
}
