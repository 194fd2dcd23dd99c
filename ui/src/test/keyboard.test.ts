import { describe, expect, it, vi } from 'vitest';
import { handleKey } from '../app/keyboard';
import type { Controller } from '../app/controller';
import { storeWith, smallSpec } from './helpers';

function key(k: string, mods: { ctrl?: boolean; shift?: boolean; alt?: boolean } = {}, target: EventTarget = document.body) {
  const e = new KeyboardEvent('keydown', { key: k, ctrlKey: !!mods.ctrl, shiftKey: !!mods.shift, altKey: !!mods.alt });
  Object.defineProperty(e, 'target', { value: target });
  return e;
}

function ctrlMock() {
  return { save: vi.fn(), saveAs: vi.fn(), open: vi.fn(), newDocument: vi.fn(), run: vi.fn(), runSelected: vi.fn() } as unknown as Controller;
}

describe('keyboard shortcuts', () => {
  it('undo, redo by Ctrl+Shift+Z and Ctrl+Y', () => {
    const store = storeWith(smallSpec());
    const c = ctrlMock();
    store.getState().deleteNodes(['keep']);
    expect(handleKey(key('z', { ctrl: true }), store, c)).toBe(true);
    expect(store.getState().spec.nodes).toHaveLength(4);
    expect(handleKey(key('Z', { ctrl: true, shift: true }), store, c)).toBe(true);
    expect(store.getState().spec.nodes).toHaveLength(3);
    handleKey(key('z', { ctrl: true }), store, c);
    expect(handleKey(key('y', { ctrl: true }), store, c)).toBe(true);
    expect(store.getState().spec.nodes).toHaveLength(3);
  });

  it('leaves editing keys to text fields, but file and run shortcuts work everywhere', () => {
    const store = storeWith(smallSpec());
    const c = ctrlMock();
    store.getState().select(['keep']);
    const input = document.createElement('input');
    expect(handleKey(key('Backspace', {}, input), store, c)).toBe(false);
    expect(handleKey(key('z', { ctrl: true }, input), store, c)).toBe(false);
    expect(store.getState().spec.nodes).toHaveLength(4);
    expect(handleKey(key('s', { ctrl: true }, input), store, c)).toBe(true);
    expect(c.save).toHaveBeenCalled();
    expect(handleKey(key('S', { ctrl: true, shift: true }), store, c)).toBe(true);
    expect(c.saveAs).toHaveBeenCalled();
    expect(handleKey(key('Enter', { ctrl: true }), store, c)).toBe(true);
    expect(c.run).toHaveBeenCalled();
    expect(handleKey(key('Backspace'), store, c)).toBe(true);
    expect(store.getState().spec.nodes).toHaveLength(3);
  });

  it('select all, copy and paste', () => {
    const store = storeWith(smallSpec());
    const c = ctrlMock();
    handleKey(key('a', { ctrl: true }), store, c);
    expect(store.getState().selection).toHaveLength(4);
    handleKey(key('c', { ctrl: true }), store, c);
    handleKey(key('v', { ctrl: true }), store, c);
    expect(store.getState().spec.nodes).toHaveLength(8);
    const pasted = store.getState().spec.nodes.slice(4);
    expect(pasted.find((n) => n.id === 'out_1')!.inputs).toEqual({ input: 'keep_1' });
    expect(pasted.find((n) => n.id === 'keep_1')!.inputs).toEqual({ input: 'src_1' });
  });

  it('F asks the canvas to frame the selection, unless typing or with a modifier', () => {
    const store = storeWith(smallSpec());
    const c = ctrlMock();
    store.getState().select(['keep']);
    expect(handleKey(key('f'), store, c)).toBe(true);
    expect(store.getState().frameRequest).toBe(1);
    expect(handleKey(key('F'), store, c)).toBe(true); // caps lock
    expect(store.getState().frameRequest).toBe(2);
    for (const mods of [{ ctrl: true }, { shift: true }, { alt: true }]) expect(handleKey(key('f', mods), store, c)).toBe(false);
    // A SQL field: CodeMirror's content element inside .cm-editor.
    const editor = document.createElement('div');
    editor.className = 'cm-editor';
    const content = document.createElement('div');
    content.setAttribute('contenteditable', 'true');
    editor.append(content);
    for (const t of [document.createElement('input'), document.createElement('textarea'), content])
      expect(handleKey(key('f', {}, t), store, c)).toBe(false);
    expect(store.getState().frameRequest).toBe(2);
    expect(store.getState().selection).toEqual(['keep']);
  });

  it('F with an empty canvas is not a shortcut', () => {
    const store = storeWith();
    expect(handleKey(key('f'), store, ctrlMock())).toBe(false);
    expect(store.getState().frameRequest).toBe(0);
  });
});
