// The node palette, built from the catalog: grouped by category, searchable, drag or click to add.

import { useMemo, useState } from 'react';
import { kindMatches } from '../model/catalog';
import { CATEGORY_ORDER, type Category, type KindInfo } from '../model/types';
import { useApp, useStoreApi } from '../store/store';
import { useController } from '../app/controller';
import { canvasView, KIND_MIME } from './Canvas';
import { CategoryIcon, IconSearch, IconX } from './icons';

export const CATEGORY_LABEL: Record<Category, string> = {
  source: 'Sources',
  transform: 'Transforms',
  feature: 'Features',
  check: 'Checks',
  sink: 'Sinks',
};

/** The first sentence of the docs, without markdown ticks. */
export function summary(docs: string): string {
  const plain = docs.replace(/`/g, '').replace(/\s+/g, ' ').trim();
  const m = /^(.*?[.!?])(\s|$)/.exec(plain);
  return m ? m[1] : plain;
}

export function Palette() {
  const catalog = useApp((s) => s.catalog);
  const catalogError = useApp((s) => s.catalogError);
  const ctrl = useController();
  const store = useStoreApi();
  const [query, setQuery] = useState('');

  const groups = useMemo(() => {
    const kinds = (catalog?.kinds ?? []).filter((k) => kindMatches(k, query));
    return CATEGORY_ORDER.map((c) => ({ category: c, kinds: kinds.filter((k) => k.category === c) })).filter(
      (g) => g.kinds.length > 0,
    );
  }, [catalog, query]);

  // A click continues from the selected node (placed to its right, wired to it); with nothing
  // to continue from, the node goes to a free spot in view. A drop goes where it is dropped.
  const add = (k: KindInfo) => {
    store.getState().addNodeByClick(k.id, canvasView.center());
  };

  return (
    <aside className="palette" aria-label="Node palette">
      <div className="panel-head">
        <span className="panel-title">Nodes</span>
        <span className="panel-count">{catalog?.kinds.length ?? 0}</span>
      </div>
      <div className="search">
        <IconSearch size={14} />
        <input
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Search nodes"
          aria-label="Search nodes"
          data-testid="palette-search"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setQuery('');
            if (e.key === 'Enter' && groups[0]?.kinds[0]) add(groups[0].kinds[0]);
          }}
        />
        {query && (
          <button className="icon-btn tiny" onClick={() => setQuery('')} aria-label="Clear search">
            <IconX size={12} />
          </button>
        )}
      </div>
      <div className="palette-list">
        {!catalog && !catalogError && <div className="empty-note">Loading the catalog…</div>}
        {!catalog && catalogError && (
          <div className="empty-note">
            <div className="text-error">The node catalog could not be loaded: {catalogError}</div>
            <button className="btn btn-sm" style={{ marginTop: 8 }} onClick={() => void ctrl.loadCatalog()} type="button">
              Retry
            </button>
          </div>
        )}
        {catalog && groups.length === 0 && <div className="empty-note">No node matches “{query}”.</div>}
        {groups.map((g) => (
          <section key={g.category} className="palette-group">
            <div className={`palette-group-title cat-${g.category}`}>
              <span className="dot" />
              {CATEGORY_LABEL[g.category]}
            </div>
            {g.kinds.map((k) => (
              <button
                key={k.id}
                className={`palette-item cat-${k.category}`}
                data-testid={`palette-${k.id}`}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(KIND_MIME, k.id);
                  e.dataTransfer.setData('text/plain', k.id);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                onClick={() => add(k)}
                title={`${k.title} (${k.id})\n\n${k.docs.replace(/`/g, '')}\n\nDrag onto the canvas, or click to add it after the selected node.`}
              >
                <span className="palette-icon">
                  <CategoryIcon category={k.category} size={14} />
                </span>
                <span className="palette-text">
                  <span className="palette-name">{k.title}</span>
                  <span className="palette-doc">{summary(k.docs)}</span>
                </span>
              </button>
            ))}
          </section>
        ))}
      </div>
    </aside>
  );
}
