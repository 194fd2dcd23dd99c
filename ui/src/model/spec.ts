// Pure operations on the spec document. Every edit returns a new spec; nothing is mutated.

import type { Json, JsonObject, NodeSpec, Position, Spec } from './types';

export const ID_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function emptySpec(name = 'untitled'): Spec {
  return { version: 1, name, nodes: [] };
}

export function findNode(spec: Spec, id: string): NodeSpec | undefined {
  return spec.nodes.find((n) => n.id === id);
}

/** `base`, or `base_2`, `base_3`… whichever is free. With `alwaysNumber`, `base_1` first. */
export function uniqueName(base: string, taken: Set<string> | string[], alwaysNumber = false): string {
  const set = taken instanceof Set ? taken : new Set(taken);
  if (!alwaysNumber && !set.has(base)) return base;
  for (let i = alwaysNumber ? 1 : 2; ; i++) {
    const c = `${base}_${i}`;
    if (!set.has(c)) return c;
  }
}

/** A readable id for a new node of `kind`: `filter_1`, `filter_2`… */
export function newNodeId(spec: Spec, kind: string): string {
  const base = kind.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^([^A-Za-z_])/, '_$1');
  return uniqueName(base, new Set(spec.nodes.map((n) => n.id)), true);
}

export function addNode(spec: Spec, node: NodeSpec, pos: Position): Spec {
  return {
    ...spec,
    nodes: [...spec.nodes, node],
    layout: { ...(spec.layout ?? {}), [node.id]: { x: Math.round(pos.x), y: Math.round(pos.y) } },
  };
}

function withoutKeys<T>(o: Record<string, T> | undefined, keys: Set<string>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (!keys.has(k)) out[k] = v;
  return out;
}

function setInputs(n: NodeSpec, inputs: Record<string, string>): NodeSpec {
  const { inputs: _old, ...rest } = n;
  void _old;
  return Object.keys(inputs).length > 0 ? { ...rest, inputs } : rest;
}

/** Delete nodes and every edge that touches them. */
export function deleteNodes(spec: Spec, ids: Iterable<string>): Spec {
  const gone = new Set(ids);
  if (gone.size === 0) return spec;
  const nodes = spec.nodes
    .filter((n) => !gone.has(n.id))
    .map((n) => {
      const inputs = Object.fromEntries(Object.entries(n.inputs ?? {}).filter(([, src]) => !gone.has(src)));
      return Object.keys(inputs).length === Object.keys(n.inputs ?? {}).length ? n : setInputs(n, inputs);
    });
  return { ...spec, nodes, layout: withoutKeys(spec.layout, gone) };
}

/** Remove the edge into `target` on `port`. */
export function disconnect(spec: Spec, target: string, port: string): Spec {
  return {
    ...spec,
    nodes: spec.nodes.map((n) => {
      if (n.id !== target || !n.inputs || !(port in n.inputs)) return n;
      const inputs = { ...n.inputs };
      delete inputs[port];
      return setInputs(n, inputs);
    }),
  };
}

/** Wire `source` into `target`'s `port`, replacing what was there. */
export function connect(spec: Spec, source: string, target: string, port: string): Spec {
  return {
    ...spec,
    nodes: spec.nodes.map((n) => (n.id === target ? { ...n, inputs: { ...(n.inputs ?? {}), [port]: source } } : n)),
  };
}

/** Every node downstream of `id` (not including it). */
export function descendants(spec: Spec, id: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const n of spec.nodes)
    for (const src of Object.values(n.inputs ?? {})) children.set(src, [...(children.get(src) ?? []), n.id]);
  const out = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const cur = stack.pop()!;
    for (const c of children.get(cur) ?? []) {
      if (!out.has(c)) {
        out.add(c);
        stack.push(c);
      }
    }
  }
  return out;
}

/** Would an edge source -> target close a cycle? */
export function wouldCycle(spec: Spec, source: string, target: string): boolean {
  return source === target || descendants(spec, target).has(source);
}

export function setNodeFields(spec: Spec, id: string, patch: Partial<Pick<NodeSpec, 'params' | 'description'>>): Spec {
  return {
    ...spec,
    nodes: spec.nodes.map((n) => {
      if (n.id !== id) return n;
      const next = { ...n, ...patch };
      if (next.description === '') delete next.description;
      return next;
    }),
  };
}

export function setParams(spec: Spec, id: string, params: JsonObject): Spec {
  return setNodeFields(spec, id, { params });
}

/** Rename a node; references in other nodes' inputs and the layout follow. */
export function renameNode(spec: Spec, from: string, to: string): Spec {
  if (from === to) return spec;
  const layout: Record<string, Position> = {};
  for (const [k, v] of Object.entries(spec.layout ?? {})) layout[k === from ? to : k] = v;
  return {
    ...spec,
    nodes: spec.nodes.map((n) => {
      const renamed = n.id === from ? { ...n, id: to } : n;
      if (!n.inputs || !Object.values(n.inputs).includes(from)) return renamed;
      const inputs = Object.fromEntries(Object.entries(n.inputs).map(([p, s]) => [p, s === from ? to : s]));
      return { ...renamed, inputs };
    }),
    layout,
  };
}

/** Why `to` cannot be a new id for `from`, or null. */
export function idProblem(spec: Spec, from: string, to: string): string | null {
  if (!ID_RE.test(to)) return 'letters, digits, _ and -, starting with a letter or _';
  if (to !== from && spec.nodes.some((n) => n.id === to)) return `'${to}' is taken`;
  return null;
}

export function moveNodes(spec: Spec, positions: Record<string, Position>): Spec {
  const layout = { ...(spec.layout ?? {}) };
  let changed = false;
  for (const [id, p] of Object.entries(positions)) {
    const q = { x: Math.round(p.x), y: Math.round(p.y) };
    const old = layout[id];
    if (!old || old.x !== q.x || old.y !== q.y) {
      layout[id] = q;
      changed = true;
    }
  }
  return changed ? { ...spec, layout } : spec;
}

/** What a copy holds: nodes and their positions. */
export interface Clip {
  nodes: NodeSpec[];
  layout: Record<string, Position>;
}

export function copyNodes(spec: Spec, ids: Iterable<string>): Clip {
  const set = new Set(ids);
  const nodes = spec.nodes.filter((n) => set.has(n.id)).map((n) => structuredClone(n));
  const layout: Record<string, Position> = {};
  for (const n of nodes) if (spec.layout?.[n.id]) layout[n.id] = { ...spec.layout[n.id] };
  return { nodes, layout };
}

/** Paste copied nodes with fresh ids, offset positions; edges among them are kept, others dropped. */
export function pasteNodes(spec: Spec, clip: Clip, offset: Position): { spec: Spec; ids: string[] } {
  const taken = new Set(spec.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  for (const n of clip.nodes) {
    const base = n.id.replace(/_\d+$/, '') || 'node';
    const id = uniqueName(base, taken, true);
    taken.add(id);
    rename.set(n.id, id);
  }
  const nodes: NodeSpec[] = clip.nodes.map((n) => {
    const inputs: Record<string, string> = {};
    for (const [port, src] of Object.entries(n.inputs ?? {})) {
      const r = rename.get(src);
      if (r) inputs[port] = r;
    }
    return setInputs({ ...structuredClone(n), id: rename.get(n.id)! }, inputs);
  });
  const layout = { ...(spec.layout ?? {}) };
  clip.nodes.forEach((n, i) => {
    const p = clip.layout[n.id] ?? { x: i * 40, y: i * 40 };
    layout[rename.get(n.id)!] = { x: Math.round(p.x + offset.x), y: Math.round(p.y + offset.y) };
  });
  return { spec: { ...spec, nodes: [...spec.nodes, ...nodes], layout }, ids: nodes.map((n) => n.id) };
}

/** Nodes whose definition (not position) differs between two specs, plus nodes only in `b`. */
export function changedNodes(a: Spec, b: Spec): Set<string> {
  const before = new Map(a.nodes.map((n) => [n.id, n]));
  const out = new Set<string>();
  for (const n of b.nodes) {
    const o = before.get(n.id);
    if (o !== n && JSON.stringify(o) !== JSON.stringify(n)) out.add(n.id);
  }
  return out;
}

/** Stable JSON for comparing documents. */
export function specKey(spec: Spec): string {
  return JSON.stringify(spec);
}

export function isJsonObject(v: Json | undefined): v is JsonObject {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
