import { createAppStore } from '../store/store';
import type { ConnectionInfo, Position, Spec } from '../model/types';
import { nodeBoxes } from '../model/placement';
import { fixtureCatalog } from './mockBackend';
import sample from './fixtures/customer_features.sluice.json';

export const sampleSpec = sample as unknown as Spec;

export function storeWith(spec?: Spec) {
  const store = createAppStore();
  store.getState().setCatalog(fixtureCatalog);
  if (spec) store.getState().loadDocument(structuredClone(spec), '/p/x.sluice.json');
  return store;
}

/** source -> filter -> sink, plus a second source, with positions. */
export function smallSpec(): Spec {
  return {
    version: 1,
    name: 'small',
    nodes: [
      { id: 'src', kind: 'read_csv', params: { path: 'a.csv' } },
      { id: 'other', kind: 'read_csv', params: { path: 'b.csv' } },
      { id: 'keep', kind: 'filter', inputs: { input: 'src' }, params: { predicate: 'x > 1' } },
      { id: 'out', kind: 'write_parquet', inputs: { input: 'keep' }, params: { path: 'o.parquet' } },
    ],
    layout: { src: { x: 0, y: 0 }, other: { x: 0, y: 200 }, keep: { x: 240, y: 0 }, out: { x: 480, y: 0 } },
  };
}

/** Pairs of nodes whose boxes (default size) overlap, as `a/b`. */
export function overlapping(spec: Spec): string[] {
  const boxes = nodeBoxes(spec, {});
  const out: string[] = [];
  boxes.forEach((a, i) =>
    boxes.forEach((b, j) => {
      if (i < j && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
        out.push(`${spec.nodes[i].id}/${spec.nodes[j].id}`);
    }),
  );
  return out;
}

export const dist = (a: Position, b: Position) => Math.hypot(a.x - b.x, a.y - b.y);

/** A connection as `connections` lists it: `warehouse`, PostgreSQL, password in the keyring. */
export function connectionInfo(over: Partial<ConnectionInfo> = {}): ConnectionInfo {
  return {
    name: 'warehouse',
    driver: 'postgres',
    url: 'postgres://ana@db.internal:5432/shop',
    host: 'db.internal',
    port: 5432,
    database: 'shop',
    user: 'ana',
    origin: 'file',
    password: 'keyring',
    ...over,
  };
}
