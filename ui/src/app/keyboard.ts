// Global keyboard shortcuts.

import { useEffect } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import type { Store } from '../store/store';
import type { Controller } from './controller';

function isEditable(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  const tag = t.tagName;
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return true;
  // Inside a CodeMirror editor (SQL fields, the SQL view) keys belong to the editor, read-only
  // or not; the attribute test also covers DOMs without isContentEditable (jsdom).
  return t.closest('.cm-editor, [contenteditable]:not([contenteditable="false"])') !== null;
}

/** Handle one keydown; returns true when it was a shortcut. Exported for tests. */
export function handleKey(e: KeyboardEvent, store: StoreApi<Store>, ctrl: Controller): boolean {
  const s = store.getState();
  // A dialog or the Connections panel has the keys (the canvas behind it is out of reach).
  if (s.modal || s.connectionsPanel) return false;
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  const editing = isEditable(e.target);
  if (mod && key === 's') {
    if (e.shiftKey) void ctrl.saveAs();
    else void ctrl.save();
    return true;
  }
  if (mod && key === 'o') {
    void ctrl.open();
    return true;
  }
  if (mod && key === 'n') {
    void ctrl.newDocument();
    return true;
  }
  if (mod && key === 'enter') {
    if (e.shiftKey) void ctrl.runSelected();
    else void ctrl.run();
    return true;
  }
  if (editing) return false;
  if (mod && key === 'z') {
    if (e.shiftKey) s.redo();
    else s.undo();
    return true;
  }
  if (mod && key === 'y') {
    s.redo();
    return true;
  }
  if (mod && key === 'a') {
    s.selectAll();
    return true;
  }
  if (mod && key === 'c') {
    const n = s.copySelection();
    if (n) s.toast({ kind: 'info', title: `Copied ${n} ${n === 1 ? 'node' : 'nodes'}` });
    return n > 0;
  }
  if (mod && key === 'v') {
    return s.paste().length > 0;
  }
  if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
    if (s.selection.length === 0 && s.selectedEdges.length === 0) return false;
    s.deleteSelection();
    return true;
  }
  // A bare F only: Ctrl+F and friends stay with the host (find in page).
  if (!mod && !e.altKey && !e.shiftKey && key === 'f') {
    if (s.spec.nodes.length === 0) return false;
    s.requestFrame();
    return true;
  }
  if (e.key === 'Escape' && (s.selection.length || s.selectedEdges.length)) {
    s.select([]);
    return true;
  }
  return false;
}

export function useKeyboard(store: StoreApi<Store>, ctrl: Controller) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (handleKey(e, store, ctrl)) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [store, ctrl]);
}
