// The app shell: top bar, palette, canvas with the data panel, inspector, overlays.

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
