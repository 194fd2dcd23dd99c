// The glue between the document and the canvas: a pure mapping from the spec to xyflow nodes
// and edges. Positions come from `layout`; edges from each node's `inputs`.

import type { Edge, Node } from '@xyflow/react';
import { OUT_HANDLE } from './connect';
import type { Position, Spec } from './types';

export interface FlowNodeData extends Record<string, unknown> {
  id: string;
  kind: string;
}

export type FlowNode = Node<FlowNodeData, 'sluice'>;

export interface FlowOptions {
  selected?: ReadonlySet<string>;
  selectedEdges?: ReadonlySet<string>;
  measured?: Record<string, { width: number; height: number }>;
}

export function edgeId(source: string, target: string, port: string): string {
  return `${source}->${target}:${port}`;
}

/** The parts of an edge id, or null when it is not one. Node ids and ports hold neither `>` nor `:`. */
export function parseEdgeId(id: string): { source: string; target: string; port: string } | null {
  const m = /^(.*)->(.*):(.*)$/.exec(id);
  return m ? { source: m[1], target: m[2], port: m[3] } : null;
}

/** Where a node without a layout entry goes: a column per 4 nodes, out of the way. */
export function fallbackPosition(index: number): Position {
  return { x: (index % 4) * 240, y: 400 + Math.floor(index / 4) * 140 };
}

export function specToFlow(spec: Spec, opts: FlowOptions = {}): { nodes: FlowNode[]; edges: Edge[] } {
  const nodes: FlowNode[] = spec.nodes.map((n, i) => {
    const node: FlowNode = {
      id: n.id,
      type: 'sluice',
      position: spec.layout?.[n.id] ?? fallbackPosition(i),
      data: { id: n.id, kind: n.kind },
      selected: opts.selected?.has(n.id) ?? false,
    };
    const m = opts.measured?.[n.id];
    if (m) node.measured = { width: m.width, height: m.height };
    return node;
  });
  const ids = new Set(spec.nodes.map((n) => n.id));
  const edges: Edge[] = [];
  for (const n of spec.nodes) {
    for (const [port, src] of Object.entries(n.inputs ?? {})) {
      if (!ids.has(src)) continue;
      const id = edgeId(src, n.id, port);
      edges.push({
        id,
        source: src,
        target: n.id,
        sourceHandle: OUT_HANDLE,
        targetHandle: port,
        selected: opts.selectedEdges?.has(id) ?? false,
      });
    }
  }
  return { nodes, edges };
}

/** The positions of flow nodes as a layout section (the inverse of specToFlow for positions). */
export function flowToLayout(nodes: Pick<FlowNode, 'id' | 'position'>[]): Record<string, Position> {
  const out: Record<string, Position> = {};
  for (const n of nodes) out[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  return out;
}

/** Keep the previous object for nodes whose fields did not change, so xyflow keeps its
 * measurements and React skips re-rendering them. */
export function reuseUnchanged<T extends { id: string }>(prev: T[], next: T[], same: (a: T, b: T) => boolean): T[] {
  const old = new Map(prev.map((n) => [n.id, n]));
  return next.map((n) => {
    const o = old.get(n.id);
    return o && same(o, n) ? o : n;
  });
}

export function sameFlowNode(a: FlowNode, b: FlowNode): boolean {
  return (
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.selected === b.selected &&
    a.data.kind === b.data.kind &&
    a.measured?.width === b.measured?.width &&
    a.measured?.height === b.measured?.height
  );
}

export function sameEdge(a: Edge, b: Edge): boolean {
  return (
    a.source === b.source &&
    a.target === b.target &&
    a.targetHandle === b.targetHandle &&
    a.selected === b.selected &&
    !!a.animated === !!b.animated
  );
}
