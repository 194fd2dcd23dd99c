// Dialogs (confirm, path prompt), toasts and the crash-recovery banner.

import { useEffect, useRef, useState } from 'react';
import { useApp, useStoreApi, type Modal } from '../store/store';
import { basename, useController } from '../app/controller';
import { IconCheck, IconError, IconInfo, IconX } from './icons';

function PathDialog({ m }: { m: Extract<Modal, { type: 'path' }> }) {
  const [value, setValue] = useState(m.defaultPath ?? '');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);
  const ok = () => m.resolve(value.trim() || null);
  return (
    <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="path-title" data-testid="path-modal">
      <h2 id="path-title">{m.mode === 'open' ? 'Open pipeline' : m.mode === 'folder' ? 'Export dbt project to' : 'Save pipeline as'}</h2>
      <p className="muted">
        {m.mode === 'open'
          ? 'Path of a .sluice.json file on the machine running the engine.'
          : m.mode === 'folder'
            ? 'Folder to write the project to: a new or empty one, or an earlier export (replaced).'
            : 'Path to write the .sluice.json file to; relative paths in the pipeline resolve against its folder.'}
      </p>
      <input
        ref={input}
        className="input mono"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder="/path/to/pipeline.sluice.json"
        data-testid="path-input"
        spellCheck={false}
        onKeyDown={(e) => {
          if (e.key === 'Enter') ok();
          if (e.key === 'Escape') m.resolve(null);
        }}
      />
      {m.recent.length > 0 && (
        <div className="dialog-recent">
          <div className="menu-title">Recent</div>
          {m.recent.map((r) => (
            <button key={r} className="menu-item" onClick={() => setValue(r)} onDoubleClick={() => m.resolve(r)} title={r}>
              <span className="menu-item-name">{basename(r)}</span>
              <span className="menu-item-path mono">{r}</span>
            </button>
          ))}
        </div>
      )}
      <div className="dialog-buttons">
        <button className="btn" onClick={() => m.resolve(null)} data-testid="path-cancel">
          Cancel
        </button>
        <button className="btn btn-primary" onClick={ok} disabled={!value.trim()} data-testid="path-ok">
          {m.mode === 'open' ? 'Open' : m.mode === 'folder' ? 'Export' : 'Save'}
        </button>
      </div>
    </div>
  );
}

function ConfirmDialog({ m }: { m: Extract<Modal, { type: 'confirm' }> }) {
  const primary = useRef<HTMLButtonElement>(null);
  useEffect(() => primary.current?.focus(), []);
  return (
    <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm-modal">
      <h2 id="confirm-title">{m.title}</h2>
      <p>{m.message}</p>
      <div className="dialog-buttons">
        {m.buttons.map((b) => (
          <button
            key={b.id}
            ref={b.kind === 'primary' ? primary : undefined}
            className={`btn${b.kind === 'primary' ? ' btn-primary' : b.kind === 'danger' ? ' btn-danger-ghost' : ''}`}
            onClick={() => m.resolve(b.id)}
            data-testid={`confirm-${b.id}`}
          >
            {b.label}
          </button>
        ))}
      </div>
    </div>
  );
}

export function Modals() {
  const modal = useApp((s) => s.modal);
  useEffect(() => {
    if (modal?.type !== 'confirm') return;
    const esc = (e: KeyboardEvent) => {
      if (e.key === 'Escape') modal.resolve('cancel');
    };
    window.addEventListener('keydown', esc);
    return () => window.removeEventListener('keydown', esc);
  }, [modal]);
  if (!modal) return null;
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && (modal.type === 'path' ? modal.resolve(null) : modal.resolve('cancel'))}>
      {modal.type === 'path' ? <PathDialog m={modal} /> : <ConfirmDialog m={modal} />}
    </div>
  );
}

export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  const store = useStoreApi();
  useEffect(() => {
    const timers = toasts.map((t) => setTimeout(() => store.getState().dismissToast(t.id), t.kind === 'error' ? 9000 : 4500));
    return () => timers.forEach(clearTimeout);
  }, [toasts, store]);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-testid="toast">
          <span className="toast-icon">{t.kind === 'error' ? <IconError size={15} /> : t.kind === 'success' ? <IconCheck size={15} /> : <IconInfo size={15} />}</span>
          <div className="toast-body">
            <div className="toast-title">{t.title}</div>
            {t.detail && <div className="toast-detail mono">{t.detail}</div>}
          </div>
          <button className="icon-btn tiny" onClick={() => store.getState().dismissToast(t.id)} aria-label="Dismiss">
            <IconX size={12} />
          </button>
        </div>
      ))}
    </div>
  );
}

export function formatSavedAt(secs: number): string {
  const d = new Date(secs * 1000);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
  return sameDay ? time : `${d.toLocaleDateString()} ${time}`;
}

export function RecoveryBanner() {
  const r = useApp((s) => s.recovery);
  const ctrl = useController();
  if (!r) return null;
  return (
    <div className="banner" role="status" data-testid="recovery-banner">
      <IconInfo size={15} />
      <span>
        Unsaved work from {formatSavedAt(r.saved_at)} was recovered
        {r.path ? (
          <>
            {' '}
            (<span className="mono">{basename(r.path)}</span>)
          </>
        ) : null}
        .
      </span>
      <button className="btn btn-sm btn-primary" onClick={() => void ctrl.restoreRecovery()} data-testid="recovery-restore">
        Restore
      </button>
      <button className="btn btn-sm" onClick={() => void ctrl.discardRecovery()} data-testid="recovery-discard">
        Discard
      </button>
    </div>
  );
}
