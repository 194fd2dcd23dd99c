// The top bar: file name and state, file commands, run commands, layout, connections, headless
// command, dbt export.

import { useEffect, useRef, useState } from 'react';
import { basename, useController } from '../app/controller';
import { autoLayout } from '../model/layout';
import { isDirty, useApp, useStoreApi } from '../store/store';
import {
  IconChevronDown,
  IconLayout,
  IconNew,
  IconOpen,
  IconPlay,
  IconPlayTo,
  IconPlug,
  IconRedo,
  IconSave,
  IconStop,
  IconTerminal,
  IconUndo,
  Logo,
  Spinner,
} from './icons';

export const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);
export const MOD = isMac ? '⌘' : 'Ctrl+';

function RecentMenu({ onClose }: { onClose: () => void }) {
  const ctrl = useController();
  const [files, setFiles] = useState<string[] | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    void ctrl.recentFiles().then(setFiles);
    const close = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', esc);
    };
  }, [ctrl, onClose]);
  return (
    <div className="menu" ref={ref} role="menu" data-testid="recent-menu">
      <div className="menu-title">Recent files</div>
      {files === null && <div className="menu-empty">Loading…</div>}
      {files?.length === 0 && <div className="menu-empty">No recent files yet.</div>}
      {files?.map((f) => (
        <button
          key={f}
          className="menu-item"
          role="menuitem"
          title={f}
          onClick={() => {
            onClose();
            void ctrl.openPath(f);
          }}
        >
          <span className="menu-item-name">{basename(f)}</span>
          <span className="menu-item-path mono">{f}</span>
        </button>
      ))}
    </div>
  );
}

export function TopBar() {
  const ctrl = useController();
  const store = useStoreApi();
  const path = useApp((s) => s.path);
  const name = useApp((s) => s.spec.name);
  const dirty = useApp((s) => isDirty(s));
  const running = useApp((s) => s.running);
  const previewing = useApp((s) => s.previewLoading !== null);
  const selection = useApp((s) => s.selection);
  const canUndo = useApp((s) => s.past.length > 0);
  const canRedo = useApp((s) => s.future.length > 0);
  const nodeCount = useApp((s) => s.spec.nodes.length);
  const check = useApp((s) => s.check);
  const [recentOpen, setRecentOpen] = useState(false);
  const errors = check?.diagnostics.filter((d) => d.severity === 'error').length ?? 0;
  useEffect(() => {
    document.title = `${dirty ? '• ' : ''}${path ? basename(path) : 'untitled'} — Sluice`;
  }, [dirty, path]);

  const layout = () => {
    const s = store.getState();
    if (s.spec.nodes.length === 0) return;
    s.moveNodes(autoLayout(s.spec, s.measured));
    s.requestFit();
  };

  return (
    <header className="topbar">
      <div className="brand">
        <Logo />
        <span className="brand-name">Sluice</span>
      </div>
      <div className="sep" />
      <div className="doc-title" title={path ?? 'Not saved yet'} data-testid="doc-title">
        <span className="doc-file">{path ? basename(path) : 'untitled'}</span>
        {dirty && <span className="dirty-dot" title="Unsaved changes" data-testid="dirty-dot" />}
        {name && path && name !== basename(path).replace(/\.sluice\.json$|\.json$/, '') && <span className="doc-name">{name}</span>}
      </div>
      <div className="toolbar">
        <div className="btn-group">
          <button className="icon-btn" onClick={() => void ctrl.newDocument()} title={`New (${MOD}N)`} aria-label="New" data-testid="new">
            <IconNew />
          </button>
          <button className="icon-btn" onClick={() => void ctrl.open()} title={`Open (${MOD}O)`} aria-label="Open" data-testid="open">
            <IconOpen />
          </button>
          <div className="menu-anchor">
            <button className={`icon-btn narrow${recentOpen ? ' active' : ''}`} onClick={() => setRecentOpen(!recentOpen)} title="Open recent" aria-label="Open recent" data-testid="open-recent">
              <IconChevronDown size={12} />
            </button>
            {recentOpen && <RecentMenu onClose={() => setRecentOpen(false)} />}
          </div>
          <button className="icon-btn" onClick={() => void ctrl.save()} title={`Save (${MOD}S)`} aria-label="Save" data-testid="save">
            <IconSave />
          </button>
          <button className="btn btn-ghost btn-sm" onClick={() => void ctrl.saveAs()} title={`Save as (${MOD}Shift+S)`} data-testid="save-as">
            Save as…
          </button>
        </div>
        <div className="sep" />
        <div className="btn-group">
          <button className="icon-btn" onClick={() => store.getState().undo()} disabled={!canUndo} title={`Undo (${MOD}Z)`} aria-label="Undo" data-testid="undo">
            <IconUndo />
          </button>
          <button className="icon-btn" onClick={() => store.getState().redo()} disabled={!canRedo} title={`Redo (${MOD}Shift+Z)`} aria-label="Redo" data-testid="redo">
            <IconRedo />
          </button>
          <button className="icon-btn" onClick={layout} disabled={nodeCount === 0} title="Auto-layout" aria-label="Auto-layout" data-testid="auto-layout">
            <IconLayout />
          </button>
        </div>
      </div>
      <div className="topbar-spacer" />
      <div className="toolbar">
        {check && nodeCount > 0 && (
          <span className={`check-state ${errors ? 'bad' : 'good'}`} data-testid="check-state" title={errors ? 'The pipeline has errors; see the nodes marked in red' : 'The pipeline is valid'}>
            <span className="check-dot" />
            {errors ? `${errors} ${errors === 1 ? 'error' : 'errors'}` : 'Valid'}
          </span>
        )}
        <button className="btn btn-ghost btn-sm" onClick={() => ctrl.connections.open()} title="The database connections sources read through" data-testid="open-connections">
          <IconPlug size={14} /> Connections
        </button>
        <button className="btn btn-ghost btn-sm" onClick={() => void ctrl.copyHeadlessCommand()} title="Copy the command that runs this pipeline headless" data-testid="copy-headless">
          <IconTerminal size={14} /> Headless command
        </button>
        <button className="btn btn-ghost btn-sm" onClick={() => void ctrl.exportDbt()} title="Export the pipeline as a dbt project (DuckDB, Spark SQL or Snowflake)" data-testid="export-dbt">
          Export dbt…
        </button>
        <div className="sep" />
        <button
          className="btn btn-sm"
          onClick={() => void ctrl.runSelected()}
          disabled={running || selection.length !== 1}
          title="Run what the selected node needs"
          data-testid="run-selected"
        >
          <IconPlayTo size={13} /> Run to selected
        </button>
        {running || previewing ? (
          <button className="btn btn-sm btn-danger" onClick={() => void ctrl.cancel()} data-testid="cancel" title={running ? 'Cancel the run' : 'Cancel the preview'}>
            <IconStop size={12} /> Cancel
          </button>
        ) : (
          <button className="btn btn-sm" disabled data-testid="cancel" title="Nothing is running">
            <IconStop size={12} /> Cancel
          </button>
        )}
        <button className="btn btn-sm btn-primary" onClick={() => void ctrl.run()} disabled={running || nodeCount === 0} title={`Run all (${MOD}Enter)`} data-testid="run-all">
          {running ? <Spinner size={12} /> : <IconPlay size={12} />} {running ? 'Running…' : 'Run all'}
        </button>
      </div>
    </header>
  );
}
