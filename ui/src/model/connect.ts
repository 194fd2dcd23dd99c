// The one place that decides what may connect on the canvas, and what a connection does.

import type { KindMap } from './catalog';
import { connect, findNode, uniqueName, wouldCycle } from './spec';
import type { Spec } from './types';

/** Handle id of a node's output. */
export const OUT_HANDLE = 'out';
/** Handle id of the "+" handle of kinds with user-named ports. */
export const NEW_PORT = '+';

export interface ConnectionLike {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

/** Why this connection is not allowed, or null when it is. */
export function connectionProblem(spec: Spec, kinds: KindMap, c: ConnectionLike): string | null {
  if (!c.source || !c.target) return 'incomplete connection';
  const src = findNode(spec, c.source);
  const tgt = findNode(spec, c.target);
  if (!src || !tgt) return 'unknown node';
  const sk = kinds.get(src.kind);
  if (!sk) return `unknown kind '${src.kind}'`;
  if (!sk.output) return `'${src.id}' has no output`;
  if (c.sourceHandle && c.sourceHandle !== OUT_HANDLE) return 'not an output';
  const tk = kinds.get(tgt.kind);
  if (!tk) return `unknown kind '${tgt.kind}'`;
  const port = c.targetHandle ?? null;
  if (tk.inputs.type === 'fixed') {
    if (!port || !tk.inputs.ports.some((p) => p.name === port)) return `'${tgt.id}' has no input '${port ?? ''}'`;
  } else if (!port) {
    return 'no port';
  } else if (port !== NEW_PORT && !(port in (tgt.inputs ?? {}))) {
    return `'${tgt.id}' has no input '${port}'`;
  }
  if (wouldCycle(spec, src.id, tgt.id)) return 'that would make a cycle';
  return null;
}

export function isValidConnection(spec: Spec, kinds: KindMap, c: ConnectionLike): boolean {
  return connectionProblem(spec, kinds, c) === null;
}

/** Apply a valid connection: a fixed port (or existing named port) is replaced; the "+" handle
 * makes a new port named after the upstream node, made unique. Null when not allowed. */
export function applyConnection(spec: Spec, kinds: KindMap, c: ConnectionLike): { spec: Spec; port: string } | null {
  if (connectionProblem(spec, kinds, c)) return null;
  const tgt = findNode(spec, c.target!)!;
  let port = c.targetHandle!;
  if (port === NEW_PORT) port = uniqueName(c.source!, Object.keys(tgt.inputs ?? {}));
  return { spec: connect(spec, c.source!, c.target!, port), port };
}
