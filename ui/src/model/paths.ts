// Paths as a spec writes them: relative to the spec's folder when the file is in that folder or
// below it, so the pipeline and its data move together; absolute otherwise (a `../..` chain
// breaks as soon as the spec moves, and an unsaved document has no folder yet).

function split(p: string): { root: string; parts: string[] } {
  const norm = p.replace(/\\/g, '/');
  const m = /^([A-Za-z]:)?\//.exec(norm);
  const root = m ? m[0].toLowerCase() : '';
  const parts: string[] = [];
  // `a/./b` and `a/x/../b` name `a/b`: a picked path is compared by what it names.
  for (const x of norm.slice(m ? m[0].length : 0).split('/')) {
    if (!x || x === '.') continue;
    if (x === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(x);
  }
  return { root, parts };
}

/** `/data/x.csv`, `C:\data\x.csv`, `C:/data/x.csv`. */
export function isAbsolutePath(p: string): boolean {
  return /^([A-Za-z]:)?[\\/]/.test(p);
}

/** Where a path stands against the spec's folder: written relative (`inside`), kept absolute
 * because the file is elsewhere (`outside`) or because the document has no folder yet
 * (`unsaved`), or not an absolute path to begin with (`relative`). */
export type PathPlacement = 'inside' | 'outside' | 'unsaved' | 'relative';

/** `target` as the spec should store it: relative to the folder of `specPath` when it is in that
 * folder or below; else unchanged. */
export function pathForSpec(specPath: string | null, target: string): { path: string; placement: PathPlacement } {
  if (!isAbsolutePath(target)) return { path: target, placement: 'relative' };
  if (!specPath) return { path: target, placement: 'unsaved' };
  const a = split(specPath);
  const b = split(target);
  const dir = a.parts.slice(0, -1);
  const below = a.root !== '' && a.root === b.root && b.parts.length > dir.length && dir.every((d, i) => d === b.parts[i]);
  if (!below) return { path: target, placement: 'outside' };
  return { path: b.parts.slice(dir.length).join('/'), placement: 'inside' };
}

/** `target` relative to the folder of `specPath` when it is in that folder or below; otherwise
 * `target` unchanged. */
export function relativeToSpec(specPath: string | null, target: string): string {
  return pathForSpec(specPath, target).path;
}

/** Why a path field holds an absolute path, or null when it does not. */
export function absolutePathNote(specPath: string | null, value: string): string | null {
  const { placement } = pathForSpec(specPath, value);
  if (placement === 'unsaved') return 'Absolute path: the pipeline is not saved yet, so it has no folder to be relative to.';
  if (placement === 'outside') return 'Absolute path: the file is outside the spec’s folder.';
  if (placement === 'inside') return 'Absolute path to a file in the spec’s folder: written relative, the pipeline moves with its data.';
  return null;
}
