import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Cross-origin isolation (COOP + COEP) lets the WebAssembly backend use threads (SharedArrayBuffer) when
// there is no GPU. Everything the studio loads is same-origin, so require-corp blocks nothing of ours.
// Static hosting must send the same two headers (README).
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// The studio is a static site: everything (model, sample data, wasm binaries) is served from its own origin.
export default defineConfig({
  plugins: [react()],
  server: { headers: CROSS_ORIGIN_ISOLATION },
  preview: { headers: CROSS_ORIGIN_ISOLATION },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
