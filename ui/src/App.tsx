// The app shell: top bar, palette, canvas with the data panel, inspector, the Connections panel,
// overlays.

import { useEffect } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import '@xyflow/react/dist/style.css';
import './styles/app.css';
import { ControllerContext, type Controller } from './app/controller';
import { useKeyboard } from './app/keyboard';
import { isDirty, StoreContext, type Store } from './store/store';
import { TopBar } from './components/TopBar';
import { Palette } from './components/Palette';
import { Canvas } from './components/Canvas';
import { Inspector } from './components/Inspector';
import { DataPanel } from './components/DataPanel';
import { Modals, RecoveryBanner, Toasts } from './components/Overlays';
import { PanelBoundary } from './components/PanelBoundary';
import { ConnectionsPanel } from './components/ConnectionsPanel';

function Shell({ store, ctrl }: { store: StoreApi<Store>; ctrl: Controller }) {
  useKeyboard(store, ctrl);
  useEffect(() => {
    const guard = (e: BeforeUnloadEvent) => {
      if (isDirty(store.getState())) {
        e.preventDefault();
        e.returnValue = '';
      }
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, [store]);
  return (
    <div className="app">
      <PanelBoundary name="top bar">
        <TopBar />
      </PanelBoundary>
      <RecoveryBanner />
      <div className="main">
        <PanelBoundary name="palette">
          <Palette />
        </PanelBoundary>
        <div className="center">
          <PanelBoundary name="canvas">
            <Canvas />
          </PanelBoundary>
          <PanelBoundary name="data panel">
            <DataPanel />
          </PanelBoundary>
        </div>
        <PanelBoundary name="inspector">
          <Inspector />
        </PanelBoundary>
      </div>
      <PanelBoundary name="connections">
        <ConnectionsPanel />
      </PanelBoundary>
      <Modals />
      <Toasts />
    </div>
  );
}

export function App({ store, ctrl }: { store: StoreApi<Store>; ctrl: Controller }) {
  return (
    <StoreContext.Provider value={store}>
      <ControllerContext.Provider value={ctrl}>
        <Shell store={store} ctrl={ctrl} />
      </ControllerContext.Provider>
    </StoreContext.Provider>
  );
}
