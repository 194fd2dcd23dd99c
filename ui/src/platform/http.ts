// Backend over HTTP to the browser bridge (`sluice-bridge`): POST /api/<command> with a JSON body.

import type { Catalog, CheckResponse, Opened, Recovery, RunEvent, RunSummary, Table } from '../model/types';
import { BackendError, docArgs, toBackendError, type Backend, type DocArgs } from './backend';

/** How the HTTP backend asks for a path, since a browser has no file dialogs that yield paths. */
export type PathPrompt = (req: { mode: 'open' | 'save'; defaultPath?: string | null }) => Promise<string | null>;

export interface HttpOptions {
  /** Prefix of the command URLs (default: same origin). */
  base?: string;
  promptPath: PathPrompt;
  /** The page URL's query, for `?open=<path>`. */
  search?: string;
  fetchImpl?: typeof fetch;
}

export function createHttpBackend(opts: HttpOptions): Backend {
  const base = opts.base ?? '';
  const doFetch = opts.fetchImpl ?? ((...a: Parameters<typeof fetch>) => fetch(...a));

  async function call<T>(cmd: string, body: Record<string, unknown> = {}): Promise<T> {
    let resp: Response;
    try {
      resp = await doFetch(`${base}/api/${cmd}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new BackendError({ code: 'H000', message: `cannot reach the engine: ${String(e)}` });
    }
    const text = await resp.text();
    let value: unknown = null;
    try {
      value = text ? JSON.parse(text) : null;
    } catch {
      throw new BackendError({ code: 'H001', message: `bad response to ${cmd} (HTTP ${resp.status})` });
    }
    if (!resp.ok) throw toBackendError(value ?? { code: 'H002', message: `HTTP ${resp.status}` });
    return value as T;
  }

  return {
    kind: 'http',
    nativeDialogs: false,
    catalog: () => call<Catalog>('catalog'),
    check: (doc: DocArgs) => call<CheckResponse>('check', docArgs(doc)),
    run: async (doc, onEvent: (e: RunEvent) => void) => {
      const body: Record<string, unknown> = docArgs(doc);
      if (doc.target) body.target = doc.target;
      const r = await call<{ events: RunEvent[]; summary?: RunSummary; error?: unknown }>('run', body);
      for (const e of r.events ?? []) onEvent(e);
      if (r.error) throw toBackendError(r.error);
      if (!r.summary) throw new BackendError({ code: 'H003', message: 'run returned no summary' });
      return r.summary;
    },
    cancel: () => call<boolean>('cancel'),
    preview: (a) => call<Table>('preview', { ...docArgs(a), node: a.node, limit: a.limit }),
    sql: (a) => call<string>('sql', { ...docArgs(a), node: a.node }),
    open: (path) => call<Opened>('open', { path }),
    save: (path, spec) => call<string>('save', { path, spec }),
    headlessCommand: (path, params) => call<string>('headless_command', { path, params }),
    autosave: async (spec, path) => {
      await call<null>('autosave', path ? { spec, path } : { spec });
    },
    recovery: () => call<Recovery | null>('recovery'),
    clearRecovery: async () => {
      await call<null>('clear_recovery');
    },
    recentFiles: () => call<string[]>('recent_files'),
    openDialog: () => opts.promptPath({ mode: 'open' }),
    saveDialog: (defaultPath) => opts.promptPath({ mode: 'save', defaultPath }),
    initialSpecPath: async () => new URLSearchParams(opts.search ?? '').get('open'),
  };
}
