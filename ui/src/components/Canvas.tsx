// The pipeline canvas (@xyflow/react), controlled by the store through specToFlow.

import { useCallback, useEffect, useMemo, useRef } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type IsValidConnection,
  type NodeChange,
} from '@xyflow/react';
import { FlowNode } from './FlowNode';
import { isValidConnection, connectionProblem } from '../model/connect';
import { dropPosition } from '../model/placement';
import { reuseUnchanged, sameEdge, sameFlowNode, specToFlow, type FlowNode as FlowNodeT } from '../model/flow';
import type { Position } from '../model/types';
import { CANVAS_MIN_ZOOM, createAutoFit, fitViewport, frameViewport } from '../model/viewport';
import { useApp, useStoreApi } from '../store/store';
import { CategoryIcon } from './icons';

// Declared once, outside any component, so xyflow never sees a new object.
const nodeTypes = { sluice: FlowNode };
const SNAP: [number, number] = [20, 20];
const PRO = { hideAttribution: true };
// The fit-view button fits everything, as F does with nothing selected: its tooltip names the key.
const ARIA_LABELS = { 'controls.fitView.ariaLabel': 'Fit view (F)' };
/** How long framing the selection animates: long enough to see where the view went. */
const FRAME_MS = 200;

export const KIND_MIME = 'application/x-sluice-kind';

/** What the rest of the UI may ask of the canvas view. */
export const canvasView = {
  /** The flow position at the centre of the visible canvas. */
  center: (): Position => ({ x: 0, y: 0 }),
};

const CATEGORY_COLOR: Record<string, string> = {
  source: 'var(--cat-source)',
  transform: 'var(--cat-transform)',
  feature: 'var(--cat-feature)',
  check: 'var(--cat-check)',
  sink: 'var(--cat-sink)',
};

function CanvasInner() {
  const store = useStoreApi();
  const spec = useApp((s) => s.spec);
  const selection = useApp((s) => s.selection);
  const selectedEdges = useApp((s) => s.selectedEdges);
  const measured = useApp((s) => s.measured);
  const kinds = useApp((s) => s.kinds);
  const running = useApp((s) => s.running);
  const fitRequest = useApp((s) => s.fitRequest);
  const frameRequest = useApp((s) => s.frameRequest);
  const rf = useReactFlow<FlowNodeT, Edge>();
  const wrapper = useRef<HTMLDivElement>(null);
  const prev = useRef<{ nodes: FlowNodeT[]; edges: Edge[] }>({ nodes: [], edges: [] });

  const { nodes, edges } = useMemo(() => {
    const f = specToFlow(spec, { selected: new Set(selection), selectedEdges: new Set(selectedEdges), measured });
    const nodes = reuseUnchanged(prev.current.nodes, f.nodes, sameFlowNode);
    const edges = reuseUnchanged(
      prev.current.edges,
      f.edges.map((e) => (running ? { ...e, animated: true } : e)),
      sameEdge,
    );
    prev.current = { nodes, edges };
    return { nodes, edges };
  }, [spec, selection, selectedEdges, measured, running]);

  useEffect(() => {
    canvasView.center = () => {
      const el = wrapper.current;
      if (!el) return { x: 0, y: 0 };
      const r = el.getBoundingClientRect();
      return rf.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
    };
  }, [rf]);

  // ----- fitting the view -----
  // A fit request (open, new document, auto-layout) fits the pipeline into the visible pane, and
  // fits it again whenever the pane or the nodes change size (side panels, fonts and node
  // measurements settle after the first fit), until the user pans, zooms or works in the canvas.
  const autoFit = useRef(createAutoFit());
  const fitTimer = useRef<{ timer: ReturnType<typeof setTimeout>; duration: number } | null>(null);

  const fitNow = useCallback(
    (duration: number) => {
      const el = wrapper.current;
      const all = rf.getNodes();
      if (!el) return;
      if (all.length === 0) {
        autoFit.current.stop(); // nothing to follow: nodes added later stay where they are put
        return;
      }
      const v = fitViewport(rf.getNodesBounds(all), el.clientWidth, el.clientHeight);
      if (v) void rf.setViewport(v, { duration });
    },
    [rf],
  );

  const scheduleFit = useCallback(
    (delay: number, duration: number) => {
      const pending = fitTimer.current;
      if (pending) clearTimeout(pending.timer);
      const d = Math.max(duration, pending?.duration ?? 0);
      const timer = setTimeout(() => {
        fitTimer.current = null;
        if (autoFit.current.following) fitNow(d);
      }, delay);
      fitTimer.current = { timer, duration: d };
    },
    [fitNow],
  );

  useEffect(
    () => () => {
      if (fitTimer.current) clearTimeout(fitTimer.current.timer);
    },
    [],
  );

  // Nodes added or removed: the user is building, the view stays. (Declared before the request
  // effect: opening a document changes both, and the request wins.)
  const nodeCount = spec.nodes.length;
  const lastCount = useRef(nodeCount);
  useEffect(() => {
    if (lastCount.current !== nodeCount) autoFit.current.stop();
    lastCount.current = nodeCount;
  }, [nodeCount]);

  useEffect(() => {
    if (fitRequest === 0) return;
    autoFit.current.request();
    scheduleFit(80, 200);
  }, [fitRequest, scheduleFit]);

  useEffect(() => {
    const el = wrapper.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      if (autoFit.current.resized(el.clientWidth, el.clientHeight)) scheduleFit(40, 0);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [scheduleFit]);

  useEffect(() => {
    if (autoFit.current.nodesChanged()) scheduleFit(40, 0);
  }, [measured, scheduleFit]);

  const stopFollowing = useCallback(() => autoFit.current.stop(), []);

  // ----- framing the selection (the F key) -----
  const frameNodes = useCallback(
    (ids: string[]) => {
      const el = wrapper.current;
      const all = rf.getNodes();
      const picked = new Set(ids);
      const chosen = all.filter((n) => picked.has(n.id));
      const target = chosen.length > 0 ? chosen : all;
      if (!el || target.length === 0) return;
      const v = frameViewport(rf.getNodesBounds(target), el.clientWidth, el.clientHeight);
      if (v) void rf.setViewport(v, { duration: FRAME_MS });
    },
    [rf],
  );

  useEffect(() => {
    if (frameRequest === 0) return;
    // The user chose this view: a later resize or measurement must not fit it away.
    stopFollowing();
    frameNodes(store.getState().selection);
  }, [frameRequest, frameNodes, stopFollowing, store]);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNodeT>[]) => {
      const s = store.getState();
      const positions: Record<string, Position> = {};
      let dragEnded = false;
      let sel: Set<string> | null = null;
      const sizes: Record<string, { width: number; height: number }> = {};
      for (const c of changes) {
        if (c.type === 'position') {
          if (c.position) positions[c.id] = c.position;
          if (c.dragging === false) dragEnded = true;
        } else if (c.type === 'dimensions' && c.dimensions) {
          sizes[c.id] = { width: c.dimensions.width, height: c.dimensions.height };
        } else if (c.type === 'select') {
          sel ??= new Set(s.selection);
          if (c.selected) sel.add(c.id);
          else sel.delete(c.id);
        }
      }
      if (Object.keys(sizes).length > 0) s.setMeasured(sizes);
      if (Object.keys(positions).length > 0) {
        if (!store.getState().dragging) store.getState().beginDrag();
        store.getState().dragMove(positions);
      }
      if (dragEnded) store.getState().endDrag();
      if (sel) store.getState().select([...sel], store.getState().selectedEdges);
    },
    [store],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const s = store.getState();
      let sel: Set<string> | null = null;
      for (const c of changes) {
        if (c.type === 'select') {
          sel ??= new Set(s.selectedEdges);
          if (c.selected) sel.add(c.id);
          else sel.delete(c.id);
        }
      }
      if (sel) s.select(s.selection, [...sel]);
    },
    [store],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const s = store.getState();
      const problem = connectionProblem(s.spec, s.kinds, c);
      if (problem) {
        s.toast({ kind: 'error', title: 'Cannot connect', detail: problem });
        return;
      }
      s.connect(c);
    },
    [store],
  );

  const validate: IsValidConnection = useCallback(
    (c) => isValidConnection(store.getState().spec, store.getState().kinds, c),
    [store],
  );

  const onDragOver = useCallback((e: React.DragEvent) => {
    if (e.dataTransfer.types.includes(KIND_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const kind = e.dataTransfer.getData(KIND_MIME);
      if (!kind) return;
      e.preventDefault();
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const s = store.getState();
      s.addNodeOfKind(kind, dropPosition(s.spec, s.measured, p));
    },
    [rf, store],
  );

  const minimapColor = useCallback(
    (n: FlowNodeT) => CATEGORY_COLOR[kinds.get(n.data.kind)?.category ?? 'transform'] ?? 'var(--cat-transform)',
    [kinds],
  );

  return (
    <div
      className="canvas"
      ref={wrapper}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onPointerDownCapture={stopFollowing}
      onWheelCapture={stopFollowing}
      data-testid="canvas"
    >
      <ReactFlow<FlowNodeT, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={validate}
        onNodeDragStart={() => store.getState().beginDrag()}
        onNodeDragStop={() => store.getState().endDrag()}
        onMoveStart={(e) => e && stopFollowing()}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Control', 'Meta']}
        snapToGrid
        snapGrid={SNAP}
        minZoom={CANVAS_MIN_ZOOM}
        maxZoom={2}
        proOptions={PRO}
        ariaLabelConfig={ARIA_LABELS}
        connectionRadius={28}
        defaultEdgeOptions={{ type: 'default' }}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="var(--canvas-dot)" />
        {spec.nodes.length > 0 && <MiniMap pannable zoomable style={{ width: 168, height: 108 }} nodeColor={minimapColor} nodeStrokeWidth={0} nodeBorderRadius={3} maskColor="rgba(241,243,247,0.7)" />}
        <Controls showInteractive={false} />
      </ReactFlow>
      {spec.nodes.length === 0 && <EmptyCanvas />}
    </div>
  );
}

function EmptyCanvas() {
  return (
    <div className="canvas-empty">
      <div className="canvas-empty-card">
        <div className="canvas-empty-icons">
          {(['source', 'transform', 'sink'] as const).map((c) => (
            <span key={c} className={`chip-icon cat-${c}`}>
              <CategoryIcon category={c} size={16} />
            </span>
          ))}
        </div>
        <h3>Start a pipeline</h3>
        <p>
          Drag a <b>source</b> from the palette onto the canvas, then add transforms and a sink. Connect them by
          dragging from a node's right edge to another node's input.
        </p>
        <p className="muted">
          <kbd>Ctrl</kbd> <kbd>O</kbd> opens a saved pipeline.
        </p>
      </div>
    </div>
  );
}

export function Canvas() {
  return (
    <ReactFlowProvider>
      <CanvasInner />
    </ReactFlowProvider>
  );
}
