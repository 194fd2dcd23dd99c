import { describe, expect, it, vi } from 'vitest';
import { createHttpBackend, tokenFromLocation } from '../platform/http';
import { BackendError } from '../platform/backend';
import type { RunEvent } from '../model/types';

function fakeFetch(responses: Record<string, { status?: number; body: unknown }>) {
  const calls: { url: string; body: unknown }[] = [];
  const impl = vi.fn(async (url: string, init?: RequestInit) => {
    calls.push({ url, body: JSON.parse(String(init?.body ?? '{}')) });
    const cmd = url.replace(/^.*\/api\//, '');
    const r = responses[cmd] ?? { status: 400, body: { code: 'A021', message: `unknown command '${cmd}'` } };
    return new Response(JSON.stringify(r.body), { status: r.status ?? 200 });
  });
  return { impl: impl as unknown as typeof fetch, calls };
}

const spec = { version: 1, name: 'x', nodes: [] };

describe('HTTP backend', () => {
  it('posts JSON to /api/<command> and omits empty optional args', async () => {
    const f = fakeFetch({ check: { body: { valid: true, diagnostics: [], schemas: {} } } });
    const b = createHttpBackend({ promptPath: async () => null, fetchImpl: f.impl });
    await b.check({ spec, path: null, params: {} });
    expect(f.calls[0].url).toBe('/api/check');
    expect(f.calls[0].body).toEqual({ spec });
    await b.check({ spec, path: '/a/b.sluice.json', params: { n: '1' } });
    expect(f.calls[1].body).toEqual({ spec, path: '/a/b.sluice.json', params: { n: '1' } });
  });

  it('posts profile with the node and the sample when there is one', async () => {
    const profile = { node: 'n', rows: 3, sampled_rows: null, columns: [] };
    const f = fakeFetch({ profile: { body: profile } });
    const b = createHttpBackend({ promptPath: async () => null, fetchImpl: f.impl });
    expect(await b.profile({ spec, node: 'n', sample: 100_000 })).toEqual(profile);
    expect(f.calls[0]).toEqual({ url: '/api/profile', body: { spec, node: 'n', sample: 100_000 } });
    await b.profile({ spec, path: '/a/b.sluice.json', node: 'n' });
    expect(f.calls[1].body).toEqual({ spec, path: '/a/b.sluice.json', node: 'n' });
  });

  it('posts runs and run_detail with the path, the limit and the run id', async () => {
    const listing = [{ run_id: 'r2', pipeline: 'x', started_at: '2024-05-01 09:30:00', ms: 12, status: 'failed', source: 'app', failed_checks: 1 }];
    const f = fakeFetch({ runs: { body: listing }, run_detail: { status: 400, body: { code: 'A040', message: "no run 'zz'" } } });
    const b = createHttpBackend({ promptPath: async () => null, fetchImpl: f.impl });
    expect(await b.runs('/a/b.sluice.json', 50)).toEqual(listing);
    expect(f.calls[0]).toEqual({ url: '/api/runs', body: { path: '/a/b.sluice.json', limit: 50 } });
    const err = (await b.runDetail('/a/b.sluice.json', 'zz').catch((e: unknown) => e)) as BackendError;
    expect(f.calls[1]).toEqual({ url: '/api/run_detail', body: { path: '/a/b.sluice.json', run_id: 'zz' } });
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe('A040');
  });

  /** A fetch whose run_stream body arrives in the given chunks. */
  function streamingFetch(chunks: string[]) {
    const calls: { url: string; body: unknown }[] = [];
    const impl = vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, body: JSON.parse(String(init?.body ?? '{}')) });
      const enc = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (const chunk of chunks) c.enqueue(enc.encode(chunk));
          c.close();
        },
      });
      return new Response(body, { status: 200 });
    });
    return { impl: impl as unknown as typeof fetch, calls };
  }

  it('streams run events as they come, then resolves to the summary', async () => {
    const events: RunEvent[] = [
      { event: 'run_started', pipeline: 'x', nodes: ['a'] },
      { event: 'node_finished', node: 'a', rows: 3, ms: 1 },
      { event: 'run_finished', status: 'success', ms: 2 },
    ];
    const summary = { status: 'success', nodes: { a: { rows: 3, ms: 1 } }, outputs: [], ms: 2 };
    const text = [...events, { summary }].map((e) => JSON.stringify(e) + '\n').join('');
    // Chunks that cut lines in the middle, as a network does.
    const f = streamingFetch([text.slice(0, 17), text.slice(17, 90), text.slice(90)]);
    const b = createHttpBackend({ promptPath: async () => null, fetchImpl: f.impl });
    const seen: RunEvent[] = [];
    const s = await b.run({ spec, target: 'a' }, (e) => seen.push(e));
    expect(seen).toEqual(events);
    expect(s.nodes.a.rows).toBe(3);
    expect(f.calls[0].url).toBe('/api/run_stream');
    expect(f.calls[0].body).toEqual({ spec, target: 'a' });
  });

  it('a failed run streams its events and rejects with the coded error', async () => {
    const lines = [
      { event: 'node_failed', node: 'a', code: 'E200', error: 'boom' },
      { error: { code: 'E200', message: "node 'a' failed: boom", node: 'a' } },
    ];
    const f = streamingFetch([lines.map((l) => JSON.stringify(l)).join('\n') + '\n']);
    const b = createHttpBackend({ promptPath: async () => null, fetchImpl: f.impl });
    const seen: RunEvent[] = [];
    const err = await b.run({ spec }, (e) => seen.push(e)).catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('E200');
    expect((err as BackendError).node).toBe('a');
  });

  it('HTTP 400 bodies become BackendErrors with diagnostics', async () => {
    const f = fakeFetch({
      sql: { status: 400, body: { code: 'E100', message: 'invalid', diagnostics: [{ severity: 'error', code: 'S011', fault: 'spec', message: 'x' }] } },
    });
    const b = createHttpBackend({ promptPath: async () => null, fetchImpl: f.impl });
    const err = (await b.sql({ spec, node: 'a' }).catch((e: unknown) => e)) as BackendError;
    expect(err.code).toBe('E100');
    expect(err.diagnostics).toHaveLength(1);
  });

  it('dialogs go through the path prompt; the initial spec comes from ?open=', async () => {
    const prompt = vi.fn(async () => '/typed/path.sluice.json');
    const b = createHttpBackend({ promptPath: prompt, search: '?open=%2Fdata%2Fp.sluice.json', fetchImpl: fakeFetch({}).impl });
    expect(await b.saveDialog('x.sluice.json')).toBe('/typed/path.sluice.json');
    expect(prompt).toHaveBeenCalledWith({ mode: 'save', defaultPath: 'x.sluice.json' });
    expect(await b.initialSpecPath()).toBe('/data/p.sluice.json');
  });

  it('sends the token from the page URL with every command, the run stream too', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const impl = vi.fn(async (url: string, init?: RequestInit) => {
      seen.push({ url, headers: { ...(init?.headers as Record<string, string>) } });
      const body = url.endsWith('run_stream') ? JSON.stringify({ summary: { status: 'success', nodes: {}, outputs: [], ms: 1 } }) + '\n' : '[]';
      return new Response(body, { status: 200 });
    }) as unknown as typeof fetch;
    const token = tokenFromLocation('#token=ab12', '?open=%2Fa.sluice.json');
    const b = createHttpBackend({ promptPath: async () => null, fetchImpl: impl, token });
    await b.recentFiles();
    await b.run({ spec }, () => {});
    expect(seen.map((c) => c.url)).toEqual(['/api/recent_files', '/api/run_stream']);
    for (const c of seen) expect(c.headers).toEqual({ 'Content-Type': 'application/json', 'X-Sluice-Token': 'ab12' });
    // Without a token nothing is invented: the bridge answers with what to open.
    const bare = createHttpBackend({ promptPath: async () => null, fetchImpl: impl });
    await bare.recentFiles();
    expect(seen[2].headers).toEqual({ 'Content-Type': 'application/json' });
  });

  it('reads the token from the fragment the bridge prints, or from the query', () => {
    expect(tokenFromLocation('#token=f00d', '')).toBe('f00d');
    expect(tokenFromLocation('#token=f00d', '?token=beef')).toBe('f00d');
    expect(tokenFromLocation('', '?open=%2Fx&token=beef')).toBe('beef');
    expect(tokenFromLocation('', '?open=%2Fx')).toBeNull();
    expect(tokenFromLocation('#', '')).toBeNull();
  });

  it('posts the connection commands with their args, the password only when one was typed', async () => {
    const info = { name: 'w', driver: 'postgres', url: 'postgres://a@h/d', host: 'h', port: null, database: 'd', user: 'a', origin: 'file', password: 'file' };
    const f = fakeFetch({
      connections: { body: { file: '/c.json', keyring: false, connections: [info] } },
      connection_save: { body: info },
      connection_remove: { body: null },
      connection_test: { status: 400, body: { code: 'N010', message: "connection 'w': cannot reach PostgreSQL at h:5432" } },
      connection_tables: { body: [{ schema: 'public', name: 'orders', kind: 'table' }] },
      connection_columns: { body: [{ name: 'id', type: 'BIGINT', source_type: 'bigint' }] },
    });
    const b = createHttpBackend({ promptPath: async () => null, fetchImpl: f.impl });
    expect((await b.connections()).connections).toEqual([info]);
    expect(await b.connectionSave({ name: 'w', url: 'postgres://a@h/d', keyring: false })).toEqual(info);
    await b.connectionSave({ name: 'w', url: 'postgres://a@h/d', keyring: false, password: '' });
    await b.connectionRemove('w');
    const err = (await b.connectionTest('w').catch((e: unknown) => e)) as BackendError;
    expect(err.code).toBe('N010');
    expect(await b.connectionTables('w')).toHaveLength(1);
    expect(await b.connectionColumns('w', 'public', 'orders')).toHaveLength(1);
    expect(f.calls).toEqual([
      { url: '/api/connections', body: {} },
      { url: '/api/connection_save', body: { name: 'w', url: 'postgres://a@h/d', keyring: false } },
      { url: '/api/connection_save', body: { name: 'w', url: 'postgres://a@h/d', keyring: false, password: '' } },
      { url: '/api/connection_remove', body: { name: 'w' } },
      { url: '/api/connection_test', body: { name: 'w' } },
      { url: '/api/connection_tables', body: { name: 'w' } },
      { url: '/api/connection_columns', body: { name: 'w', schema: 'public', table: 'orders' } },
    ]);
  });

  it('a refusal from the bridge reaches the UI as its coded message', async () => {
    const message = 'this bridge needs the token from the URL it printed at start (http://127.0.0.1:PORT/#token=...): open that URL';
    const f = fakeFetch({ catalog: { status: 401, body: { code: 'A060', message } } });
    const b = createHttpBackend({ promptPath: async () => null, fetchImpl: f.impl });
    const err = (await b.catalog().catch((e: unknown) => e)) as BackendError;
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe('A060');
    expect(err.message).toContain('token from the URL it printed at start');
  });
});
