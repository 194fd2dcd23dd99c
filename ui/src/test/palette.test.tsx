// The palette's search finds kinds by the other names analysts know them by.
import { describe, expect, it } from 'vitest';
import { act, fireEvent, screen } from '@testing-library/react';
import { KIND_KEYWORDS, kindMatches } from '../model/catalog';
import type { Catalog, KindInfo } from '../model/types';
import { mountApp } from './mount';
import fullCatalogJson from './fixtures/catalog-full.json';

const catalog = fullCatalogJson as unknown as Catalog;
const found = (q: string) => catalog.kinds.filter((k) => kindMatches(k, q)).map((k) => k.id);

describe('palette search', () => {
  it.each([
    ['one hot', ['one_hot']],
    ['One-Hot', ['one_hot']],
    ['dummy', ['one_hot']],
    ['indicator', ['one_hot']],
    ['impute', ['fill_nulls', 'impute']],
    ['fill', ['fill_nulls', 'impute']],
    ['bucket', ['bin']],
    ['discretize', ['bin']],
    ['dedupe', ['deduplicate']],
    ['lag', ['lag']],
    ['shift', ['lag']],
    ['rolling', ['rolling']],
    ['moving average', ['rolling']],
    ['merge asof', ['point_in_time_join']],
    ['group by', ['aggregate']],
  ])('"%s" finds %j', (q, ids) => {
    expect(found(q)).toEqual(expect.arrayContaining(ids));
  });

  it('still matches on ids, titles and docs, and nothing for nonsense', () => {
    expect(found('key pairs')).toContain('join');
    expect(found('fill_nulls')).toContain('fill_nulls');
    expect(found('fill_nulls')).not.toContain('one_hot');
    expect(found('zzzz')).toEqual([]);
    expect(found('')).toHaveLength(catalog.kinds.length);
  });

  it('keywords are for kinds the catalog has, and the catalog may declare its own', () => {
    const ids = new Set(catalog.kinds.map((k) => k.id));
    expect(Object.keys(KIND_KEYWORDS).filter((id) => !ids.has(id))).toEqual([]);
    const kind = { ...catalog.kinds.find((k) => k.id === 'sort')!, keywords: ['arrange rows'] } as KindInfo;
    expect(kindMatches(kind, 'arrange rows')).toBe(true);
  });

  it('the palette lists what the search finds', async () => {
    const { store } = await mountApp();
    act(() => store.getState().setCatalog(catalog));
    fireEvent.change(screen.getByTestId('palette-search'), { target: { value: 'dummy' } });
    expect(screen.getByTestId('palette-one_hot')).toBeInTheDocument();
    expect(screen.queryByTestId('palette-read_csv')).toBeNull();
    fireEvent.change(screen.getByTestId('palette-search'), { target: { value: 'bucket' } });
    expect(screen.getByTestId('palette-bin')).toBeInTheDocument();
  });
});
