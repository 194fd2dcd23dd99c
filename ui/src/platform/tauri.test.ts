import { beforeEach, describe, expect, it, vi } from 'vitest';

// A stand-in for Tauri's IPC: records calls, answers with `answer`.
const calls: [string, Record<string, unknown>][] = [];
let answer: (cmd: string, args: Record<string, unknown>) => Promise<unknown> = async () => null;
class FakeChannel<T> {
  onmessage: (m: T) => void = () => {};
}
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (cmd: string, args: Record<string, unknown> = {}) => {
    calls.push([cmd, args]);
    return answer(cmd, args);
  },
  Channel: FakeChannel,
}));

const { tauriBackend } = await import('./tauri');
const spec = { version: 1, name: 'x', nodes: [] };

beforeEach(() => {
  calls.length = 0;
  answer = async () => null;
});

describe('Tauri backend', () => {
  it('passes args as the commands declare them (camelCase onEvent, snake_case default_path)', async () => {
    answer = async (cmd, args) => {
      if (cmd === 'run') {
        (args.onEvent as FakeChannel<unknown>).onmessage({ event: 'run_started', pipeline: 'x', nodes: [] });
        return { status: 'success', nodes: {}, outputs: [], ms: 1 };
      }
      return null;
    };
    const seen: unknown[] = [];
    await tauriBackend.run({ spec, path: '/a.sluice.json', params: {}, target: 'n' }, (e) => seen.push(e));
    expect(calls[0][0]).toBe('run');
    expect(Object.keys(calls[0][1]).sort()).toEqual(['onEvent', 'path', 'spec', 'target']);
    expect(seen).toHaveLength(1);
    await tauriBackend.saveDialog('/w/p.sluice.json');
    expect(calls[1]).toEqual(['save_dialog', { default_path: '/w/p.sluice.json' }]);
    await tauriBackend.preview({ spec, node: 'n', limit: 50 });
    expect(calls[2]).toEqual(['preview', { spec, node: 'n', limit: 50 }]);
    await tauriBackend.folderDialog('/w/dbt_p');
    expect(calls[3]).toEqual(['folder_dialog', { title: 'Export the dbt project to', default_path: '/w/dbt_p' }]);
    await tauriBackend.folderDialog(null);
    expect(calls[4]).toEqual(['folder_dialog', { title: 'Export the dbt project to' }]);
  });

  it('passes the outputs agreed to as allowWrite, and nothing when there are none', async () => {
    await tauriBackend.check({ spec, path: '/a.sluice.json', allow_write: ['/elsewhere/x.csv'] });
    expect(calls[0]).toEqual(['check', { spec, path: '/a.sluice.json', allowWrite: ['/elsewhere/x.csv'] }]);
    await tauriBackend.run({ spec, path: '/a.sluice.json', allow_write: ['/elsewhere/x.csv'] }, () => {});
    expect(Object.keys(calls[1][1]).sort()).toEqual(['allowWrite', 'onEvent', 'path', 'spec']);
    await tauriBackend.sql({ spec, node: 'n' });
    expect(calls[2]).toEqual(['sql', { spec, node: 'n' }]);
  });

  it('passes profile args like preview, the sample only when there is one', async () => {
    const profile = { node: 'n', rows: 3, sampled_rows: null, columns: [] };
    answer = async (cmd) => (cmd === 'profile' ? profile : null);
    expect(await tauriBackend.profile({ spec, path: '/a.sluice.json', params: { k: '1' }, node: 'n', sample: 100_000 })).toEqual(profile);
    expect(calls[0]).toEqual(['profile', { spec, path: '/a.sluice.json', params: { k: '1' }, node: 'n', sample: 100_000 }]);
    await tauriBackend.profile({ spec, params: {}, node: 'n', sample: null });
    expect(calls[1]).toEqual(['profile', { spec, node: 'n' }]);
  });

  it('passes the run history args as the commands declare them (snake_case run_id)', async () => {
    const listing = [{ run_id: 'r2', pipeline: 'x', started_at: '2024-05-01 09:30:00', ms: 12, status: 'success', source: 'cli', failed_checks: 0 }];
    answer = async (cmd) => (cmd === 'runs' ? listing : cmd === 'run_detail' ? { run_id: 'r2' } : null);
    expect(await tauriBackend.runs('/a.sluice.json', 100)).toEqual(listing);
    expect(calls[0]).toEqual(['runs', { path: '/a.sluice.json', limit: 100 }]);
    expect(await tauriBackend.runDetail('/a.sluice.json', 'r2')).toEqual({ run_id: 'r2' });
    expect(calls[1]).toEqual(['run_detail', { path: '/a.sluice.json', run_id: 'r2' }]);
  });

  it('passes the connection commands their args, the password only when one was typed', async () => {
    await tauriBackend.connections();
    expect(calls[0]).toEqual(['connections', {}]);
    await tauriBackend.connectionSave({ name: 'w', url: 'postgres://a@h/d', keyring: false });
    expect(calls[1]).toEqual(['connection_save', { name: 'w', url: 'postgres://a@h/d', keyring: false }]);
    await tauriBackend.connectionSave({ name: 'w', url: 'postgres://a@h/d', keyring: true, password: 'p' });
    expect(calls[2]).toEqual(['connection_save', { name: 'w', url: 'postgres://a@h/d', keyring: true, password: 'p' }]);
    await tauriBackend.connectionRemove('w');
    await tauriBackend.connectionTest('w');
    await tauriBackend.connectionTables('w');
    await tauriBackend.connectionColumns('w', null, 'orders');
    await tauriBackend.connectionColumns('w', 'sales', 'orders');
    expect(calls.slice(3)).toEqual([
      ['connection_remove', { name: 'w' }],
      ['connection_test', { name: 'w' }],
      ['connection_tables', { name: 'w' }],
      ['connection_columns', { name: 'w', table: 'orders' }],
      ['connection_columns', { name: 'w', schema: 'sales', table: 'orders' }],
    ]);
  });

  it('turns rejected ApiErrors into BackendErrors', async () => {
    answer = () => Promise.reject({ code: 'E200', message: "node 'a' failed: boom", node: 'a' });
    const err = await tauriBackend.sql({ spec, node: 'a' }).then(
      () => null,
      (e: unknown) => e as { name: string; code: string; node: string },
    );
    expect(err?.name).toBe('BackendError');
    expect(err?.code).toBe('E200');
    expect(err?.node).toBe('a');
  });
});
