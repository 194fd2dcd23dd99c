// The one interface the UI uses to reach the engine. Two implementations: Tauri IPC
// (tauri.ts) and HTTP to the browser bridge (http.ts); tests pass a mock.

import type {
  ApiErrorBody,
  Catalog,
  CheckResponse,
  ConnectionInfo,
  ConnectionList,
  ConnectionSave,
  ConnectionTested,
  Diagnostic,
  ExportSummary,
  Opened,
  Profile,
  Recovery,
  RemoteColumn,
  RemoteTable,
  RunDetail,
  RunEvent,
  RunListing,
  RunSummary,
  Spec,
  Table,
} from '../model/types';

/** The editor's document as the commands take it. */
export interface DocArgs {
  spec: Spec;
  /** The spec's file; relative paths in the spec resolve against its folder. */
  path?: string | null;
  /** `--param name=value` overrides. */
  params?: Record<string, string>;
  /** Outputs outside the spec's folder the user agreed it may write (`--allow-write`). */
  allow_write?: string[];
}

export interface Backend {
  /** Which implementation this is. */
  readonly kind: 'tauri' | 'http' | 'mock';
  /** Whether open/save dialogs are the system's own (Tauri) rather than an in-app path prompt. */
  readonly nativeDialogs: boolean;

  catalog(): Promise<Catalog>;
  check(doc: DocArgs): Promise<CheckResponse>;
  /** Run the pipeline (or what `target` needs). Events arrive through `onEvent` as they happen
   * (Tauri) or all at the end (HTTP). Rejects with a {@link BackendError} when the run fails. */
  run(doc: DocArgs & { target?: string | null }, onEvent: (e: RunEvent) => void): Promise<RunSummary>;
  cancel(): Promise<boolean>;
  preview(args: DocArgs & { node: string; limit: number }): Promise<Table>;
  /** Column statistics of a node's output; `sample` (rows) profiles a random sample of that size
   * when the node has more rows (`sampled_rows` says so), null or absent: all rows. */
  profile(args: DocArgs & { node: string; sample?: number | null }): Promise<Profile>;
  sql(args: DocArgs & { node: string }): Promise<string>;

  /** The recorded runs (CLI and app) of the spec saved at `path`, latest first, at most `limit`;
   * empty when none are recorded. */
  runs(path: string, limit: number): Promise<RunListing[]>;
  /** One recorded run of the spec at `path` in full. */
  runDetail(path: string, runId: string): Promise<RunDetail>;

  /** The user's named connections (never a password), the connections file, whether the OS
   * keyring can hold passwords. */
  connections(): Promise<ConnectionList>;
  /** Add or change a connection in the connections file; resolves to it as listed. */
  connectionSave(c: ConnectionSave): Promise<ConnectionInfo>;
  /** Remove a connection from the connections file (one of the environment's cannot be). */
  connectionRemove(name: string): Promise<void>;
  /** Connect and ask the server's version. */
  connectionTest(name: string): Promise<ConnectionTested>;
  /** The tables and views a connection can read. */
  connectionTables(name: string): Promise<RemoteTable[]>;
  /** The columns of a table (`schema` null: the connection's default). */
  connectionColumns(name: string, schema: string | null, table: string): Promise<RemoteColumn[]>;

  open(path: string): Promise<Opened>;
  /** Save in canonical form; resolves to the text written. */
  save(path: string, spec: Spec): Promise<string>;
  headlessCommand(path: string, params: Record<string, string>): Promise<string>;
  /** Export the spec saved at `path` as a dbt project in the folder `out`, as `sluice export
   * dbt --dialect <dialect>` does. */
  exportDbt(path: string, params: Record<string, string>, out: string, dialect: 'duckdb' | 'spark' | 'snowflake'): Promise<ExportSummary>;
  autosave(spec: Spec, path: string | null): Promise<void>;
  recovery(): Promise<Recovery | null>;
  clearRecovery(): Promise<void>;
  recentFiles(): Promise<string[]>;

  /** Ask for a file to open (a spec by default, or an input data file); null when cancelled. */
  openDialog(purpose?: 'spec' | 'data'): Promise<string | null>;
  /** Ask where to save; null when cancelled. */
  saveDialog(defaultPath?: string | null): Promise<string | null>;
  /** Ask for a folder (an export's destination); null when cancelled. */
  folderDialog(defaultPath?: string | null): Promise<string | null>;
  /** The spec to open at startup (Tauri: the sample on first launch; HTTP: `?open=<path>`). */
  initialSpecPath(): Promise<string | null>;
}

/** An error from a command: a stable code, a message, and the node / diagnostics when known. */
export class BackendError extends Error {
  readonly code: string;
  readonly node?: string;
  readonly diagnostics: Diagnostic[];
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'BackendError';
    this.code = body.code;
    this.node = body.node;
    this.diagnostics = body.diagnostics ?? [];
  }
}

/** Turn whatever a command threw into a BackendError. */
export function toBackendError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  if (e && typeof e === 'object' && 'message' in e && typeof (e as { message: unknown }).message === 'string') {
    const o = e as { code?: unknown; message: string; node?: unknown; diagnostics?: unknown };
    return new BackendError({
      code: typeof o.code === 'string' ? o.code : 'UI000',
      message: o.message,
      node: typeof o.node === 'string' ? o.node : undefined,
      diagnostics: Array.isArray(o.diagnostics) ? (o.diagnostics as Diagnostic[]) : [],
    });
  }
  return new BackendError({ code: 'UI000', message: String(e) });
}

/** The args of `profile`: the document's, the node, and the sample size when there is one. */
export function profileArgs(a: DocArgs & { node: string; sample?: number | null }): Record<string, unknown> {
  const out: Record<string, unknown> = { ...docArgs(a), node: a.node };
  if (a.sample != null) out.sample = a.sample;
  return out;
}

/** The args of `connection_save`: the password only when one was typed (absent: keep). */
export function connectionSaveArgs(c: ConnectionSave): Record<string, unknown> {
  const out: Record<string, unknown> = { name: c.name, url: c.url, keyring: c.keyring };
  if (c.password !== undefined) out.password = c.password;
  return out;
}

/** The args of `connection_columns`: the schema only when there is one. */
export function connectionColumnsArgs(name: string, schema: string | null, table: string): Record<string, unknown> {
  return schema ? { name, schema, table } : { name, table };
}

/** Drop undefined and null keys so optional args are omitted rather than sent as null. */
export function docArgs(doc: DocArgs): Record<string, unknown> {
  const out: Record<string, unknown> = { spec: doc.spec };
  if (doc.path) out.path = doc.path;
  if (doc.params && Object.keys(doc.params).length > 0) out.params = doc.params;
  if (doc.allow_write && doc.allow_write.length > 0) out.allow_write = doc.allow_write;
  return out;
}
