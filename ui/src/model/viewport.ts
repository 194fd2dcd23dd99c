// Fitting the pipeline into the canvas: the viewport for a graph's bounds, and when the canvas
// keeps fitting it again (after open, while the panels around it settle).

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** Room left around the graph, in screen pixels. */
export const FIT_PAD = 48;
/** A fit never magnifies. */
export const FIT_MAX_ZOOM = 1;
/** Below this a whole-graph fit is a cloud of specks: show the graph from its sources instead. */
export const MIN_FIT_ZOOM = 0.3;
/** The zoom of that fallback: node titles are still readable. */
export const READABLE_ZOOM = 0.6;

/** The viewport that shows the graph with bounds `b` in a pane of `width` x `height` pixels:
 * all of it, centred, when that needs a zoom of at least MIN_FIT_ZOOM; else its left part (the
 * sources) at READABLE_ZOOM, centred vertically when it fits in height, else from its top.
 * Null when the pane has no size yet. */
export function fitViewport(b: Rect, width: number, height: number): Viewport | null {
  if (width <= 0 || height <= 0) return null;
  const zoom = Math.min(
    FIT_MAX_ZOOM,
    (width - 2 * FIT_PAD) / Math.max(1, b.width),
    (height - 2 * FIT_PAD) / Math.max(1, b.height),
  );
  if (zoom >= MIN_FIT_ZOOM)
    return { x: (width - b.width * zoom) / 2 - b.x * zoom, y: (height - b.height * zoom) / 2 - b.y * zoom, zoom };
  const z = READABLE_ZOOM;
  const y = b.height * z < height - 2 * FIT_PAD ? (height - b.height * z) / 2 - b.y * z : FIT_PAD - b.y * z;
  return { x: FIT_PAD - b.x * z, y, zoom: z };
}

/** The canvas's lowest zoom. */
export const CANVAS_MIN_ZOOM = 0.15;
/** Framing (the F key): room around the framed nodes, as a share of their extent. */
export const FRAME_PAD = 0.25;
/** Framing may magnify a little, so a single node comes close without turning blurry. */
export const FRAME_MAX_ZOOM = 1.25;

/** The viewport that centres bounds `b` in a pane of `width` x `height` pixels with FRAME_PAD
 * around them, at a zoom between CANVAS_MIN_ZOOM and FRAME_MAX_ZOOM. Unlike fitViewport there
 * is no readable-zoom fallback: the user asked to see exactly these nodes. Null when the pane
 * has no size yet. */
export function frameViewport(b: Rect, width: number, height: number): Viewport | null {
  if (width <= 0 || height <= 0) return null;
  const fit = Math.min(
    width / (Math.max(1, b.width) * (1 + FRAME_PAD)),
    height / (Math.max(1, b.height) * (1 + FRAME_PAD)),
  );
  const zoom = Math.max(CANVAS_MIN_ZOOM, Math.min(FRAME_MAX_ZOOM, fit));
  return { x: width / 2 - (b.x + b.width / 2) * zoom, y: height / 2 - (b.y + b.height / 2) * zoom, zoom };
}

/** Whether the canvas keeps re-fitting the graph. A fit request (open, new document, auto-layout)
 * turns it on; the pane size or the nodes' sizes changing then fits again (the first fit may come
 * before the side panels, the fonts or the nodes have their final size), until the user takes the
 * view over (pans, zooms, clicks or drags in the canvas, frames the selection) or adds or
 * removes nodes. */
export interface AutoFit {
  readonly following: boolean;
  /** A fit was asked for. */
  request(): void;
  /** The user took the view over, or there is nothing to follow. */
  stop(): void;
  /** The pane now measures `width` x `height`: whether to fit again. */
  resized(width: number, height: number): boolean;
  /** The nodes' measured sizes changed: whether to fit again. */
  nodesChanged(): boolean;
}

export function createAutoFit(): AutoFit {
  let following = false;
  let size: { width: number; height: number } | null = null;
  return {
    get following() {
      return following;
    },
    request() {
      following = true;
    },
    stop() {
      following = false;
    },
    resized(width, height) {
      const changed = !size || Math.abs(size.width - width) >= 1 || Math.abs(size.height - height) >= 1;
      size = { width, height };
      return following && changed && width > 0 && height > 0;
    },
    nodesChanged() {
      return following;
    },
  };
}
