import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createController, type Controller } from './app/controller';
import { pickBackend } from './platform';
import { createAppStore } from './store/store';

const store = createAppStore();
// The HTTP backend asks for paths through the controller's in-app dialog.
let ctrl: Controller | null = null;
const backend = pickBackend((req) => ctrl!.promptPath(req));
ctrl = createController(backend, store);
void ctrl.init();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} ctrl={ctrl} />
  </StrictMode>,
);
