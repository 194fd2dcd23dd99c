// Paths picked with the file dialog are saved relative to the spec's folder when the file is in
// it or below; absolute otherwise, and the form says why.
import { describe, expect, it } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { absolutePathNote, isAbsolutePath, pathForSpec } from '../model/paths';
import { findNode } from '../model/spec';
import { mountApp } from './mount';
import { smallSpec } from './helpers';

describe('pathForSpec', () => {
  const spec = '/w/proj/p.sluice.json';
  it('writes a file in the folder or below relative to it', () => {
    expect(pathForSpec(spec, '/w/proj/orders.csv')).toEqual({ path: 'orders.csv', placement: 'inside' });
    expect(pathForSpec(spec, '/w/proj/data/2024/o.csv.gz')).toEqual({ path: 'data/2024/o.csv.gz', placement: 'inside' });
    expect(pathForSpec(spec, '/w/proj/./data/../orders.csv')).toEqual({ path: 'orders.csv', placement: 'inside' });
    expect(pathForSpec('C:\\w\\proj\\p.sluice.json', 'c:\\w\\proj\\data\\o.csv')).toEqual({ path: 'data/o.csv', placement: 'inside' });
  });

  it('keeps a file outside the folder absolute, even one level up or in a sibling', () => {
    expect(pathForSpec(spec, '/w/orders.csv')).toEqual({ path: '/w/orders.csv', placement: 'outside' });
    expect(pathForSpec(spec, '/w/proj-old/orders.csv')).toEqual({ path: '/w/proj-old/orders.csv', placement: 'outside' });
    expect(pathForSpec(spec, '/w/proj/../other/o.csv')).toEqual({ path: '/w/proj/../other/o.csv', placement: 'outside' });
    expect(pathForSpec(spec, 'D:\\o.csv')).toEqual({ path: 'D:\\o.csv', placement: 'outside' });
  });

  it('keeps it absolute in an unsaved document, and leaves relative paths alone', () => {
    expect(pathForSpec(null, '/w/proj/orders.csv')).toEqual({ path: '/w/proj/orders.csv', placement: 'unsaved' });
    expect(pathForSpec(spec, 'data/*.csv')).toEqual({ path: 'data/*.csv', placement: 'relative' });
    expect(isAbsolutePath('data/x.csv')).toBe(false);
    expect(isAbsolutePath('C:\\x.csv')).toBe(true);
    expect(absolutePathNote(spec, 'data/x.csv')).toBeNull();
    expect(absolutePathNote(spec, '/elsewhere/x.csv')).toMatch(/outside the spec’s folder/);
    expect(absolutePathNote(null, '/elsewhere/x.csv')).toMatch(/not saved yet/);
  });
});

describe('the Browse button of a path field', () => {
  it('stores a picked file relative when it is in the spec folder, absolute (and says so) when not', async () => {
    const { backend, store } = await mountApp((b) => Object.assign(b, { nativeDialogs: true })); // opens /w/small.sluice.json
    const browse = async (picked: string) => {
      backend.nextPath = picked;
      await act(async () => {
        fireEvent.click(screen.getByTestId('browse-path'));
      });
    };
    act(() => store.getState().select(['src']));
    await screen.findByTestId('browse-path');

    await browse('/w/data/orders.csv');
    await waitFor(() => expect(findNode(store.getState().spec, 'src')!.params.path).toBe('data/orders.csv'));
    expect(screen.getByTestId('field-path')).toHaveValue('data/orders.csv');
    expect(screen.queryByTestId('path-note-path')).toBeNull();

    await browse('/elsewhere/orders.csv');
    await waitFor(() => expect(findNode(store.getState().spec, 'src')!.params.path).toBe('/elsewhere/orders.csv'));
    expect(screen.getByTestId('path-note-path')).toHaveTextContent('outside the spec’s folder');

    // One folder up is outside too: a `../` path breaks when the spec moves.
    await browse('/orders.csv');
    await waitFor(() => expect(findNode(store.getState().spec, 'src')!.params.path).toBe('/orders.csv'));

    // An unsaved document has no folder: the path stays absolute, and the note says why.
    act(() => store.getState().loadDocument(smallSpec(), null));
    act(() => store.getState().select(['src']));
    await browse('/w/data/orders.csv');
    await waitFor(() => expect(findNode(store.getState().spec, 'src')!.params.path).toBe('/w/data/orders.csv'));
    expect(screen.getByTestId('path-note-path')).toHaveTextContent('not saved yet');
  });
});
