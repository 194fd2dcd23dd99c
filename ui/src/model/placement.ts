// Where a new node goes. An analyst who clicks a palette entry with one node selected means
// "continue from here": the new node goes to its right, wired to its output. Otherwise it goes
// to a free spot near the centre of the view. A node dropped from the palette goes where it was
// dropped, or, when that spot is taken, to the nearest free one. A new node never lands on
// another one.

import type { KindInfo, NodeSpec, Position, Spec } from './types';
import type { KindMap } from './catalog';
import { applyConnection, NEW_PORT, OUT_HANDLE } from './connect';
import { fallbackPosition } from './flow';
import { NODE_HEIGHT, NODE_WIDTH } from './layout';
import { addNode, findNode } from './spec';

export interface Size {
  width: number;
  height: number;
}

type Box = Position & Size;

const DEFAULT_SIZE: Size = { width: NODE_WIDTH, height: NODE_HEIGHT };
/** One column of a left-to-right pipeline (the step fallbackPosition uses too). */
export const COLUMN_STEP = 240;
/** Clear space kept around a new node, so it does not touch its neighbours. */
const GAP = 20;
/** The canvas snap grid. */
const GRID = 20;
/** How far (in grid steps) to look around the centre before settling for "below". */
const MAX_RINGS = 40;

/** Every node's box: its position (as the canvas shows it) and measured size, else the default. */
export function nodeBoxes(spec: Spec, measured: Record<string, Size>): Box[] {
  return spec.nodes.map((n, i) => ({
    ...(spec.layout?.[n.id] ?? fallbackPosition(i)),
    ...(measured[n.id] ?? DEFAULT_SIZE),
  }));
}

/** Boxes a node at `p` would overlap or come closer than GAP to. */
function blockers(p: Position, boxes: Box[], size: Size): Box[] {
  return boxes.filter(
    (b) => p.x < b.x + b.width + GAP && b.x < p.x + size.width + GAP && p.y < b.y + b.height + GAP && b.y < p.y + size.height + GAP,
  );
}

function isFree(p: Position, boxes: Box[], size: Size): boolean {
  return blockers(p, boxes, size).length === 0;
}

/** `want`, or the first spot straight below it that is clear of every node. */
export function freeBelow(want: Position, boxes: Box[], size: Size = DEFAULT_SIZE): Position {
  let p = want;
  // Jumping past the lowest blocker (rather than stepping by the grid) ends in at most one
  // jump per node.
  for (let hit = blockers(p, boxes, size); hit.length > 0; hit = blockers(p, boxes, size))
    p = { x: p.x, y: Math.max(...hit.map((b) => b.y + b.height)) + GAP };
  return p;
}

/** Grid points at Chebyshev distance `r` (in grid steps) around `c`. */
function ring(c: Position, r: number): Position[] {
  if (r === 0) return [c];
  const out: Position[] = [];
  for (let i = -r; i <= r; i++) {
    out.push({ x: c.x + i * GRID, y: c.y - r * GRID }, { x: c.x + i * GRID, y: c.y + r * GRID });
    if (Math.abs(i) < r) out.push({ x: c.x - r * GRID, y: c.y + i * GRID }, { x: c.x + r * GRID, y: c.y + i * GRID });
  }
  return out;
}

const dist2 = (a: Position, b: Position) => (a.x - b.x) ** 2 + (a.y - b.y) ** 2;

/** The free grid spot closest to `want` (searched ring by ring outwards). */
export function freeNear(want: Position, boxes: Box[], size: Size = DEFAULT_SIZE): Position {
  for (let r = 0; r <= MAX_RINGS; r++) {
    const free = ring(want, r).filter((p) => isFree(p, boxes, size));
    if (free.length > 0) return free.reduce((a, b) => (dist2(b, want) < dist2(a, want) ? b : a));
  }
  return freeBelow(want, boxes, size);
}

/** The port a new node of `kind` takes its upstream on: its first fixed port, or (kinds with
 * user-named ports) a new port. Null for kinds without inputs. */
export function firstInput(kind: KindInfo): string | null {
  if (kind.inputs.type === 'named') return NEW_PORT;
  return kind.inputs.ports[0]?.name ?? null;
}

/** The node click-to-add continues from: the one selected node, when it has an output. */
export function upstreamOf(spec: Spec, kinds: KindMap, selection: string[]): string | null {
  if (selection.length !== 1) return null;
  const n = findNode(spec, selection[0]);
  return n && kinds.get(n.kind)?.output ? n.id : null;
}

const snap = (v: number) => Math.round(v / GRID) * GRID;

export interface ClickAdd {
  spec: Spec;
  kinds: KindMap;
  selection: string[];
  measured: Record<string, Size>;
  /** The flow position at the centre of the visible canvas. */
  center: Position;
}

/** The document with `node` added where a palette click puts it: right of the selected node
 * and wired to its output when both sides allow it, else at a free spot near the centre. */
export function addByClick(ctx: ClickAdd, node: NodeSpec): Spec {
  const { spec, kinds, measured } = ctx;
  const boxes = nodeBoxes(spec, measured);
  const from = upstreamOf(spec, kinds, ctx.selection);
  const kind = kinds.get(node.kind);
  const port = kind ? firstInput(kind) : null;
  if (from && port) {
    const at = boxes[spec.nodes.findIndex((n) => n.id === from)];
    // A node measured wider than usual still gets a clear gap to its right.
    const dx = Math.max(COLUMN_STEP, snap(at.width + 2 * GAP));
    const added = addNode(spec, node, freeBelow({ x: at.x + dx, y: at.y }, boxes));
    const wired = applyConnection(added, kinds, { source: from, target: node.id, sourceHandle: OUT_HANDLE, targetHandle: port });
    // The canvas's own rule decides (ports, cycles); should it refuse, the node stays unwired.
    return wired?.spec ?? added;
  }
  // Centred on the view, on the grid.
  const want = { x: snap(ctx.center.x - NODE_WIDTH / 2), y: snap(ctx.center.y - NODE_HEIGHT / 2) };
  return addNode(spec, node, freeNear(want, boxes));
}

/** Where a node added without a place in mind goes (a source made from a connection's table):
 * centred on `center` (the middle of the view), on the grid, or the nearest free spot to that. */
export function freeSpotNear(spec: Spec, measured: Record<string, Size>, center: Position): Position {
  const want = { x: snap(center.x - NODE_WIDTH / 2), y: snap(center.y - NODE_HEIGHT / 2) };
  return freeNear(want, nodeBoxes(spec, measured));
}

/** Where the cursor sits on a node dropped from the palette: near the top of its title. */
const GRAB = { x: NODE_WIDTH / 2, y: 24 };

/** Where a node dropped at flow point `at` goes: under the cursor, on the grid, or the nearest
 * free spot to that when it would overlap (or touch) a node. */
export function dropPosition(spec: Spec, measured: Record<string, Size>, at: Position): Position {
  const want = { x: snap(at.x - GRAB.x), y: snap(at.y - GRAB.y) };
  return freeNear(want, nodeBoxes(spec, measured));
}
