// Backend over Tauri v2 IPC. The only module (with index.ts) that imports @tauri-apps/*.

import { Channel, invoke } from '@tauri-apps/api/core';
import type { Catalog, CheckResponse, ConnectionInfo, ConnectionList, ConnectionTested, ExportSummary, Opened, Profile, Recovery, RemoteColumn, RemoteTable, RunDetail, RunEvent, RunListing, RunSummary, Spec, Table } from '../model/types';
import { connectionColumnsArgs, connectionSaveArgs, docArgs, profileArgs, toBackendError, type Backend, type DocArgs } from './backend';

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toBackendError(typeof e === 'string' ? { code: 'T000', message: e } : e);
  }
}

/** The document's args as the commands declare them: Tauri takes `allow_write` as `allowWrite`.
 * The shell counts only outputs the user agreed to in its own dialog (asked before a run). */
function tauriArgs(args: Record<string, unknown>): Record<string, unknown> {
  const { allow_write: allowWrite, ...rest } = args;
  return allowWrite ? { ...rest, allowWrite } : rest;
}

export const tauriBackend: Backend = {
  kind: 'tauri',
  nativeDialogs: true,
  catalog: () => call<Catalog>('catalog'),
  check: (doc: DocArgs) => call<CheckResponse>('check', tauriArgs(docArgs(doc))),
  run: async (doc, onEvent: (e: RunEvent) => void) => {
    const channel = new Channel<RunEvent>();
    channel.onmessage = onEvent;
    const args: Record<string, unknown> = { ...tauriArgs(docArgs(doc)), onEvent: channel };
    if (doc.target) args.target = doc.target;
    return call<RunSummary>('run', args);
  },
  cancel: () => call<boolean>('cancel'),
  preview: (a) => call<Table>('preview', { ...tauriArgs(docArgs(a)), node: a.node, limit: a.limit }),
  profile: (a) => call<Profile>('profile', tauriArgs(profileArgs(a))),
  sql: (a) => call<string>('sql', { ...tauriArgs(docArgs(a)), node: a.node }),
  // Declared with `rename_all = "snake_case"`, like save_dialog.
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
  save: (path, spec: Spec) => call<string>('save', { path, spec }),
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
  openDialog: (purpose = 'spec') => call<string | null>('open_dialog', { purpose }),
  // The dialogs are the shell's own: a path the user picks there is one the file commands then
  // accept (the shell refuses other paths, but those in the open pipeline's folder, with code A050).
  // Declared with `rename_all = "snake_case"`.
  saveDialog: (defaultPath) => call<string | null>('save_dialog', defaultPath ? { default_path: defaultPath } : {}),
  folderDialog: (defaultPath) =>
    call<string | null>('folder_dialog', { title: 'Export the dbt project to', ...(defaultPath ? { default_path: defaultPath } : {}) }),
  initialSpecPath: () => call<string | null>('initial_spec_path'),
};
