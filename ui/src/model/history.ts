// Pure helpers for the History tab: recorded runs' status pills and file sizes.

import type { RunListing, RunNodeRecord } from './types';

/** The pill class of a run's status; unknown statuses (newer engines) get the plain pill. */
export function runStatusClass(status: RunListing['status']): string {
  switch (status) {
    case 'success':
      return 'pill-done';
    case 'failed':
      return 'pill-error';
    case 'cancelled':
      return 'pill-warn';
    default:
      return '';
  }
}

/** The pill class of a node's status in a recorded run. */
export function nodeStatusClass(status: RunNodeRecord['status']): string {
  switch (status) {
    case 'done':
      return 'pill-done';
    case 'failed':
      return 'pill-error';
    case 'skipped':
      return 'pill-skipped';
    default:
      return '';
  }
}

/** 512 -> "512 B", 2048 -> "2.0 KB", 5_500_000 -> "5.2 MB" (binary units, one decimal). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** A parameter value as text: strings bare, everything else as JSON. */
export function paramText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
