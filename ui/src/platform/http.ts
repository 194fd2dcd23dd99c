// Backend over HTTP to the browser bridge (`sluice-bridge`): POST /api/<command> with a JSON body
// and the bridge's token, which it prints at start in the page's URL (`#token=...`).

import type { Catalog, CheckResponse, ConnectionInfo, ConnectionList, ConnectionTested, ExportSummary, Opened, Profile, Recovery, RemoteColumn, RemoteTable, RunDetail, RunEvent, RunListing, RunSummary, Table } from '../model/types';
import { BackendError, connectionColumnsArgs, connectionSaveArgs, docArgs, profileArgs, toBackendError, type Backend, type DocArgs } from './backend';

/** How the HTTP backend asks for a path, since a browser has no file dialogs that yield paths. */
export type PathPrompt = (req: { mode: 'open' | 'save' | 'folder'; defaultPath?: string | null }) => Promise<string | null>;

export interface HttpOptions {
  /** Prefix of the command URLs (default: same origin). */
  base?: string;
  promptPath: PathPrompt;
  /** The page URL's query, for `?open=<path>`. */
  search?: string;
  /** The bridge's token (see {@link tokenFromLocation}); sent with every command. */
  token?: string | null;
  fetchImpl?: typeof fetch;
}

/** The header the bridge reads the token from. */
export const TOKEN_HEADER = 'X-Sluice-Token';

/** The token in the page's URL: `#token=...` as the bridge prints it, or `?token=...`. The
 * fragment is the printed form because a browser never sends it to a server or in a referrer. */
export function tokenFromLocation(hash: string, search: string): string | null {
  const fromHash = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return fromHash || new URLSearchParams(search).get('token') || null;
}

export function createHttpBackend(opts: HttpOptions): Backend {
  const base = opts.base ?? '';
  const doFetch = opts.fetchImpl ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  // JSON plus a custom header: a request no foreign page can send without the bridge's consent.
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (opts.token) headers[TOKEN_HEADER] = opts.token;

  async function call<T>(cmd: string, body: Record<string, unknown> = {}): Promise<T> {
    let resp: Response;
    try {
      resp = await doFetch(`${base}/api/${cmd}`, {
        method: 'POST',
        headers,
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
      // The bridge streams one JSON object per line while the run goes on: events, then a last
      // line with the summary or the error.
      let resp: Response;
      try {
        resp = await doFetch(`${base}/api/run_stream`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
        });
      } catch (e) {
        throw new BackendError({ code: 'H000', message: `cannot reach the engine: ${String(e)}` });
      }
      if (!resp.ok) {
        const text = await resp.text();
        let value: unknown = null;
        try {
          value = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        throw toBackendError(value ?? { code: 'H002', message: `HTTP ${resp.status}` });
      }
      let last: { summary?: RunSummary; error?: unknown } | null = null;
      const handle = (line: string) => {
        if (!line.trim()) return;
        const v = JSON.parse(line) as Record<string, unknown>;
        if ('event' in v) onEvent(v as unknown as RunEvent);
        else last = v as { summary?: RunSummary; error?: unknown };
      };
      if (resp.body && typeof resp.body.getReader === 'function') {
        const reader = resp.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            handle(buf.slice(0, nl));
            buf = buf.slice(nl + 1);
          }
        }
        handle(buf + decoder.decode());
      } else {
        for (const line of (await resp.text()).split('\n')) handle(line);
      }
      const end = last as { summary?: RunSummary; error?: unknown } | null;
      if (end?.error) throw toBackendError(end.error);
      if (!end?.summary) throw new BackendError({ code: 'H003', message: 'the run ended without a summary' });
      return end.summary;
    },
    cancel: () => call<boolean>('cancel'),
    preview: (a) => call<Table>('preview', { ...docArgs(a), node: a.node, limit: a.limit }),
    profile: (a) => call<Profile>('profile', profileArgs(a)),
    sql: (a) => call<string>('sql', { ...docArgs(a), node: a.node }),
    runs: (path, limit) => call<RunListing[]>('runs', { path, limit }),
    runDetail: (path, runId) => call<RunDetail>('run_detail', { path, run_id: runId }),
    connections: () => call<ConnectionList>('connections'),
    connectionSave: (c) => call<ConnectionInfo>('connection_save', connectionSaveArgs(c)),
    connectionRemove: async (name) => {
      await call<null>('connection_remove', { name });
    },
    connectionTest: (name) => call<ConnectionTested>('connection_test', { name }),
    connectionTables: (name) => call<RemoteTable[]>('connection_tables', { name }),
    connectionColumns: (name, schema, table) => call<RemoteColumn[]>('connection_columns', connectionColumnsArgs(name, schema, table)),
    open: (path) => call<Opened>('open', { path }),
    save: (path, spec) => call<string>('save', { path, spec }),
    headlessCommand: (path, params) => call<string>('headless_command', { path, params }),
    exportDbt: (path, params, out, dialect) => call<ExportSummary>('export_dbt', { path, params, out, dialect }),
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
    folderDialog: (defaultPath) => opts.promptPath({ mode: 'folder', defaultPath }),
    initialSpecPath: async () => new URLSearchParams(opts.search ?? '').get('open'),
  };
}
