// The whole app on the mock backend, opened on the small spec: what most UI tests start from.
import { expect } from 'vitest';
import { act, render, screen, waitFor } from '@testing-library/react';
import { App } from '../App';
import { createController } from '../app/controller';
import { createAppStore } from '../store/store';
import { createMockBackend, type MockBackend } from './mockBackend';
import { smallSpec } from './helpers';

/** Render the app, open `/w/small.sluice.json` and wait for its nodes; `setup` adjusts the backend first. */
export async function mountApp(setup: (b: MockBackend) => void = () => {}) {
  const backend = createMockBackend();
  backend.files.set('/w/small.sluice.json', JSON.stringify(smallSpec()));
  backend.initialSpecPath = async () => '/w/small.sluice.json';
  setup(backend);
  const store = createAppStore();
  const ctrl = createController(backend, store, { checkDelayMs: 0, autosaveDelayMs: 50 });
  render(<App store={store} ctrl={ctrl} />);
  await act(async () => {
    await ctrl.init();
  });
  await waitFor(() => expect(screen.getByTestId('node-keep')).toBeInTheDocument());
  return { backend, store, ctrl };
}
