// Where diagnostics belong: on a node, on a form field (by parameter path), or the spec.

import type { Diagnostic } from './types';

/** serde stops at a missing field with the path of the object that lacks it; point at the field. */
export function normalizeDiagnostic(d: Diagnostic): Diagnostic {
  const m = /missing field `([^`]+)`/.exec(d.message);
  if (m && d.path && (d.path === 'params' || d.path.startsWith('params.') || d.path.startsWith('params['))) {
    return { ...d, path: `${d.path}.${m[1]}` };
  }
  return d;
}

export function diagnosticsForNode(all: Diagnostic[], node: string): Diagnostic[] {
  return all.filter((d) => d.node === node);
}

/** The parameter path of a diagnostic (without `params.`), or null when it is not about a parameter. */
export function paramPath(d: Diagnostic): string | null {
  if (!d.path || !d.path.startsWith('params.')) return null;
  return d.path.slice('params.'.length);
}

/** Is `path` the field `field` or inside it? (`keep[1]` is inside `keep`; `keeper` is not.) */
export function isUnder(path: string, field: string): boolean {
  return path === field || path.startsWith(field + '.') || path.startsWith(field + '[');
}

/** Diagnostics of `node` whose parameter path is `field` or inside it. */
export function fieldDiagnostics(all: Diagnostic[], node: string, field: string): Diagnostic[] {
  return all.filter((d) => {
    if (d.node !== node) return false;
    const p = paramPath(d);
    return p !== null && isUnder(p, field);
  });
}

/** Diagnostics of `node` that no parameter field shows: no path, a path outside params, or a
 * parameter the form does not have. */
export function nodeLevelDiagnostics(all: Diagnostic[], node: string, fields: string[]): Diagnostic[] {
  return all.filter((d) => {
    if (d.node !== node) return false;
    const p = paramPath(d);
    return p === null || !fields.some((f) => isUnder(p, f));
  });
}

export function worstSeverity(ds: Diagnostic[]): 'error' | 'warning' | null {
  if (ds.some((d) => d.severity === 'error')) return 'error';
  if (ds.some((d) => d.severity === 'warning')) return 'warning';
  return null;
}
