// The Connections panel: the user's named connections (where each goes, where it is defined,
// where its password comes from), adding, changing, removing and testing them, and browsing a
// connection's tables to add one as a source. Connections are the user's, kept outside every
// pipeline; a pipeline only names one.

import { useEffect, useRef, useState } from 'react';
import { useController } from '../app/controller';
import { definedBy, DRIVER_LABEL, passwordFrom, whereTo } from '../model/connections';
import type { ConnectionInfo } from '../model/types';
import { useApp } from '../store/store';
import type { TestState } from '../store/connections';
import { ConnectionForm } from './ConnectionForm';
import { ConnectionTables } from './ConnectionTables';
import { IconCheck, IconChevronDown, IconChevronRight, IconError, IconPlus, IconX, Spinner } from './icons';

function TestResult({ name, test }: { name: string; test: TestState | undefined }) {
  if (!test) return null;
  if (test.state === 'testing')
    return (
      <div className="conn-test muted" data-testid={`connection-test-result-${name}`} data-state="testing">
        <Spinner size={11} /> Connecting…
      </div>
    );
  if (test.state === 'ok')
    return (
      <div className="conn-test conn-test-ok" data-testid={`connection-test-result-${name}`} data-state="ok" title={test.version}>
        <IconCheck size={13} /> Connected in {test.ms} ms · <span className="conn-version">{test.version}</span>
      </div>
    );
  return (
    <div className="conn-test conn-test-failed" data-testid={`connection-test-result-${name}`} data-state="failed" role="alert">
      <IconError size={13} />
      <span>
        {test.message} <span className="mono muted">{test.code}</span>
      </span>
    </div>
  );
}

function ConnectionRow({
  conn,
  expanded,
  onExpand,
  onEdit,
}: {
  conn: ConnectionInfo;
  expanded: boolean;
  onExpand: () => void;
  onEdit: () => void;
}) {
  const ctrl = useController();
  const test = useApp((s) => s.connections.tests[conn.name]);
  const fromEnv = conn.origin === 'env';
  return (
    <div className={`conn-row${expanded ? ' expanded' : ''}`} data-testid={`connection-row-${conn.name}`}>
      <div className="conn-row-main">
        <button className="conn-expand" type="button" onClick={onExpand} aria-expanded={expanded} title={expanded ? 'Hide its tables' : 'Browse its tables'} data-testid={`connection-expand-${conn.name}`}>
          {expanded ? <IconChevronDown size={12} /> : <IconChevronRight size={12} />}
          <span className="conn-name mono">{conn.name}</span>
          <span className={`conn-driver driver-${conn.driver}`}>{DRIVER_LABEL[conn.driver] ?? conn.driver}</span>
        </button>
        <div className="conn-facts">
          <span className="mono conn-where" title={conn.url}>
            {whereTo(conn)}
          </span>
          <span className="conn-meta">
            <span title={fromEnv ? 'Defined by an environment variable' : 'Defined in the connections file'}>
              from <span className={fromEnv ? 'mono' : undefined}>{definedBy(conn)}</span>
            </span>
            <span data-testid={`connection-password-${conn.name}`}>
              password: <span className={conn.password === 'env' ? 'mono' : undefined}>{passwordFrom(conn)}</span>
            </span>
          </span>
        </div>
        <div className="conn-actions">
          <button className="btn btn-sm" type="button" onClick={() => void ctrl.connections.test(conn.name)} disabled={test?.state === 'testing'} data-testid={`connection-test-${conn.name}`}>
            Test
          </button>
          <button
            className="btn btn-sm btn-ghost"
            type="button"
            onClick={onEdit}
            disabled={fromEnv}
            title={fromEnv ? `Defined by ${definedBy(conn)}: change it there` : 'Change its URL or password'}
            data-testid={`connection-edit-${conn.name}`}
          >
            Edit
          </button>
          <button
            className="btn btn-sm btn-ghost btn-danger-ghost"
            type="button"
            onClick={() => void ctrl.connections.remove(conn.name)}
            disabled={fromEnv}
            title={fromEnv ? `Defined by ${definedBy(conn)}: unset it there` : 'Remove it from the connections file'}
            data-testid={`connection-remove-${conn.name}`}
          >
            Remove
          </button>
        </div>
      </div>
      <TestResult name={conn.name} test={test} />
      {expanded && <ConnectionTables conn={conn} />}
    </div>
  );
}

export function ConnectionsPanel() {
  const ctrl = useController();
  const panel = useApp((s) => s.connectionsPanel);
  const state = useApp((s) => s.connections);
  const modalOpen = useApp((s) => s.modal !== null);
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const body = useRef<HTMLDivElement>(null);
  const focus = panel?.focus ?? null;

  // Opened at a connection: it is shown browsed, in view.
  useEffect(() => {
    if (!focus) return;
    setExpanded((e) => new Set([...e, focus]));
  }, [focus]);
  useEffect(() => {
    if (!focus || !state.list) return;
    body.current?.querySelector(`[data-testid="connection-row-${CSS.escape(focus)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [focus, state.list]);
  useEffect(() => {
    if (!panel) {
      setEditing(null);
      return;
    }
    const esc = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !modalOpen && !e.defaultPrevented) ctrl.connections.close();
    };
    window.addEventListener('keydown', esc);
    return () => window.removeEventListener('keydown', esc);
  }, [panel, modalOpen, ctrl]);

  if (!panel) return null;
  const list = state.list;
  const connections = list?.connections ?? [];
  const taken = new Set(connections.map((c) => c.name));
  const toggle = (name: string) => {
    const next = new Set(expanded);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setExpanded(next);
  };
  const edited = editing && editing !== 'new' ? connections.find((c) => c.name === editing) : undefined;

  return (
    <div className="overlay conn-overlay" onMouseDown={(e) => e.target === e.currentTarget && ctrl.connections.close()}>
      <div className="dialog conn-panel" role="dialog" aria-modal="true" aria-labelledby="connections-title" data-testid="connections-panel">
        <div className="conn-panel-head">
          <h2 id="connections-title">Connections</h2>
          <div className="topbar-spacer" />
          <button className="btn btn-sm btn-primary" type="button" onClick={() => setEditing('new')} disabled={editing === 'new'} data-testid="connections-add">
            <IconPlus size={12} /> Add connection
          </button>
          <button className="icon-btn" type="button" onClick={() => ctrl.connections.close()} aria-label="Close" title="Close (Esc)" data-testid="connections-close">
            <IconX size={14} />
          </button>
        </div>
        <p className="conn-intro">
          Pipelines name a connection; what it is stays on this machine, in{' '}
          {list ? (
            <span className="conn-file" title={list.file} data-testid="connections-file" data-path={list.file}>
              your connections file
            </span>
          ) : (
            'your connections file'
          )}{' '}
          (readable only by you) or in <span className="mono">SLUICE_CONN_&lt;NAME&gt;_URL</span> variables. Passwords never go into a pipeline.
        </p>
        <div className="conn-body" ref={body}>
          {editing === 'new' && (
            <ConnectionForm
              editing={null}
              keyringAvailable={!!list?.keyring}
              taken={taken}
              onDone={() => setEditing(null)}
            />
          )}
          {state.error && (
            <div className="diag-box diag-error" role="alert" data-testid="connections-error">
              <IconError size={14} />
              <div>
                <div>{state.error}</div>
                <button className="btn btn-sm" type="button" onClick={() => void ctrl.connections.load()} style={{ marginTop: 6 }}>
                  Try again
                </button>
              </div>
            </div>
          )}
          {!list && !state.error && (
            <div className="muted conn-empty">
              <Spinner size={11} /> Reading the connections…
            </div>
          )}
          {list && connections.length === 0 && editing !== 'new' && (
            <div className="empty-state conn-empty-state" data-testid="connections-empty">
              <div className="empty-title">No connections yet</div>
              <p>Add one to read tables of a PostgreSQL or MySQL database into a pipeline.</p>
            </div>
          )}
          {connections.map((c) =>
            edited && edited.name === c.name ? (
              <ConnectionForm key={c.name} editing={c} keyringAvailable={!!list?.keyring} taken={taken} onDone={() => setEditing(null)} />
            ) : (
              <ConnectionRow key={c.name} conn={c} expanded={expanded.has(c.name)} onExpand={() => toggle(c.name)} onEdit={() => setEditing(c.name)} />
            ),
          )}
        </div>
      </div>
    </div>
  );
}
