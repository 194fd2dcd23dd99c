// Lookups over the catalog. Nothing here knows any particular kind.

import type { Catalog, KindInfo, NodeSpec } from './types';
import { defaultsOf } from './schema';

export type KindMap = Map<string, KindInfo>;

export function kindMap(catalog: Catalog | null): KindMap {
  return new Map((catalog?.kinds ?? []).map((k) => [k.id, k]));
}

/** The input ports a node shows: fixed ports of its kind, or the named ports it has. */
export function nodePorts(kind: KindInfo | undefined, node: NodeSpec): string[] {
  if (!kind) return Object.keys(node.inputs ?? {});
  if (kind.inputs.type === 'fixed') return kind.inputs.ports.map((p) => p.name);
  return Object.keys(node.inputs ?? {}).sort();
}

/** The port whose schema feeds a column picker: `x-sluice-port`, else `input`, else the first. */
export function pickerPort(kind: KindInfo | undefined, node: NodeSpec, hint?: string): string | null {
  if (hint) return hint;
  const ports = nodePorts(kind, node);
  if (ports.includes('input')) return 'input';
  return ports[0] ?? null;
}

/** The params a new node starts with: the schema's defaults. */
export function initialParams(kind: KindInfo): Record<string, import('./types').Json> {
  return defaultsOf(kind.params_schema);
}

/** Does a kind match a palette search? */
export function kindMatches(kind: KindInfo, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [kind.id, kind.title, kind.docs, kind.category].some((s) => s.toLowerCase().includes(q));
}
