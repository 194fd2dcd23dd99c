// Picks the backend at startup: Tauri IPC inside the desktop shell, HTTP in a plain browser.

import type { Backend } from './backend';
import { createHttpBackend, tokenFromLocation, type PathPrompt } from './http';
import { tauriBackend } from './tauri';

export type { Backend, DocArgs } from './backend';
export { BackendError, toBackendError } from './backend';
export type { PathPrompt } from './http';
export { createHttpBackend, tokenFromLocation } from './http';

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

export function pickBackend(promptPath: PathPrompt): Backend {
  if (isTauri()) return tauriBackend;
  const { hash, search } = window.location;
  return createHttpBackend({ promptPath, search, token: tokenFromLocation(hash, search) });
}
