// Paths as a spec writes them: relative to the spec's folder when the file is below it.

function split(p: string): { root: string; parts: string[] } {
  const norm = p.replace(/\\/g, '/');
  const m = /^([A-Za-z]:)?\//.exec(norm);
  const root = m ? m[0].toLowerCase() : '';
  return { root, parts: norm.slice(m ? m[0].length : 0).split('/').filter((x) => x && x !== '.') };
}

/** `target` relative to the folder of `specPath`, when both are absolute on the same root;
 * otherwise `target` unchanged. */
export function relativeToSpec(specPath: string | null, target: string): string {
  if (!specPath) return target;
  const a = split(specPath);
  const b = split(target);
  if (!a.root || !b.root || a.root !== b.root) return target;
  const dir = a.parts.slice(0, -1);
  let i = 0;
  while (i < dir.length && i < b.parts.length && dir[i] === b.parts[i]) i++;
  const up = dir.length - i;
  if (up > 2) return target; // far away: an absolute path reads better
  return [...Array(up).fill('..'), ...b.parts.slice(i)].join('/') || '.';
}
