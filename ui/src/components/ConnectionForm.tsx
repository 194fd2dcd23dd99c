// Adding or changing a connection: its name, URL and password. The password field is never
// filled in: the app never has the password kept, and one typed here goes to the connections
// file or the OS keyring and is not shown again. Left empty, a saved password stays.

import { useEffect, useRef, useState } from 'react';
import { useController } from '../app/controller';
import { connectionNameProblem, envVar, URL_EXAMPLE } from '../model/connections';
import type { ConnectionInfo } from '../model/types';
import { toBackendError } from '../platform';
import { Spinner } from './icons';

export function ConnectionForm({
  editing,
  keyringAvailable,
  taken,
  onDone,
}: {
  /** The connection changed; null: a new one. */
  editing: ConnectionInfo | null;
  keyringAvailable: boolean;
  /** Names in use (a new connection must not take one). */
  taken: Set<string>;
  onDone: (saved: ConnectionInfo | null) => void;
}) {
  const ctrl = useController();
  const [name, setName] = useState(editing?.name ?? '');
  const [url, setUrl] = useState(editing?.url ?? '');
  const [password, setPassword] = useState('');
  const [forget, setForget] = useState(false);
  const [keyring, setKeyring] = useState(editing ? editing.password === 'keyring' : keyringAvailable);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tried, setTried] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  const saved = editing && (editing.password === 'file' || editing.password === 'keyring');
  const nameProblem = editing ? null : (connectionNameProblem(name.trim()) ?? (taken.has(name.trim()) ? `'${name.trim()}' is taken` : null));
  const urlProblem = url.trim() ? null : `Give the URL, e.g. ${URL_EXAMPLE}`;
  const placeholder = editing?.password === 'env'
    ? `Set by ${envVar(editing.name, 'PASSWORD')}`
    : saved
      ? 'Leave empty to keep the saved password'
      : 'Password (optional)';

  const submit = async () => {
    setTried(true);
    if (nameProblem || urlProblem || busy) return;
    setBusy(true);
    setError(null);
    try {
      const typed = password !== '' ? password : forget ? '' : undefined;
      // Without a keyring here, a password kept in one stays there unless a new one is typed.
      const inKeyring = keyringAvailable ? keyring : typed === undefined && editing?.password === 'keyring';
      const info = await ctrl.connections.save({
        name: name.trim(),
        url: url.trim(),
        keyring: inKeyring,
        ...(typed !== undefined ? { password: typed } : {}),
      });
      setPassword('');
      onDone(info);
    } catch (e) {
      setError(toBackendError(e).message);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="conn-form"
      data-testid="connection-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onDone(null);
        }
      }}
    >
      <div className="conn-form-title">{editing ? `Edit ${editing.name}` : 'New connection'}</div>
      <label className="conn-form-row">
        <span className="obj-label">Name</span>
        <span>
          <input
            ref={editing ? undefined : first}
            className={`input mono${tried && nameProblem ? ' invalid' : ''}`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            disabled={!!editing}
            placeholder="warehouse"
            spellCheck={false}
            autoComplete="off"
            data-testid="connection-name"
          />
          {tried && nameProblem && <span className="diag diag-error">{nameProblem}</span>}
        </span>
      </label>
      <label className="conn-form-row">
        <span className="obj-label">URL</span>
        <span>
          <input
            ref={editing ? first : undefined}
            className={`input mono${tried && urlProblem ? ' invalid' : ''}`}
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder={URL_EXAMPLE}
            spellCheck={false}
            autoComplete="off"
            data-testid="connection-url"
          />
          <span className="field-help">
            <code>postgres://</code> or <code>mysql://</code>, with the user, host, port and database (<code>?sslmode=require</code> for TLS);{' '}
            <code>s3://bucket?region=…&amp;key_id=…</code>, <code>gs://bucket</code>, <code>az://container?account=…</code> (the password is the
            secret key); or <code>https://api.example.com/v1?auth=bearer</code> (the password is the token).
          </span>
          {tried && urlProblem && <span className="diag diag-error">{urlProblem}</span>}
        </span>
      </label>
      <label className="conn-form-row">
        <span className="obj-label">Password</span>
        <span>
          <input
            type="password"
            className="input"
            value={password}
            onChange={(e) => {
              setPassword(e.target.value);
              if (e.target.value) setForget(false);
            }}
            placeholder={placeholder}
            autoComplete="new-password"
            data-testid="connection-password"
          />
        </span>
      </label>
      <div className="conn-form-row">
        <span />
        <span className="conn-form-checks">
          <label className={`check-label${keyringAvailable ? '' : ' disabled'}`} title={keyringAvailable ? undefined : 'No OS keyring (Secret Service) can be reached in this session'}>
            <input type="checkbox" checked={keyringAvailable ? keyring : editing?.password === 'keyring'} disabled={!keyringAvailable} onChange={(e) => setKeyring(e.target.checked)} data-testid="connection-keyring" />
            Keep the password in the OS keyring
          </label>
          {!keyringAvailable && <span className="field-help">No OS keyring here: the password goes into the connections file, which only you can read.</span>}
          {saved && (
            <label className="check-label">
              <input type="checkbox" checked={forget} disabled={password !== ''} onChange={(e) => setForget(e.target.checked)} data-testid="connection-forget" />
              Forget the saved password
            </label>
          )}
        </span>
      </div>
      {error && (
        <div className="diag-box diag-error conn-form-error" data-testid="connection-form-error" role="alert">
          {error}
        </div>
      )}
      <div className="conn-form-buttons">
        <button type="button" className="btn btn-sm" onClick={() => onDone(null)} data-testid="connection-cancel">
          Cancel
        </button>
        <button type="submit" className="btn btn-sm btn-primary" disabled={busy} data-testid="connection-save">
          {busy && <Spinner size={11} />} Save
        </button>
      </div>
    </form>
  );
}
