/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `base: './'` keeps asset URLs relative, so the built files load from Tauri's custom protocol
// and from any local HTTP server (the browser bridge serves them at `/`).
const bridge = 'http://127.0.0.1:8737';

export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    // `npm run dev` talks to a running `sluice-bridge` for the commands (open the dev page with
    // the `#token=...` the bridge printed). The bridge answers only requests addressed to it from
    // its own page, so the proxied ones are presented as such; the token still has to be right.
    proxy: {
      '/api': {
        target: bridge,
        changeOrigin: true,
        configure: (proxy) =>
          proxy.on('proxyReq', (req) => {
            if (req.getHeader('origin')) req.setHeader('origin', bridge);
          }),
      },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    globals: false,
  },
});
