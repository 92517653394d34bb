// Static servers for the e2e specs: the built app (vite preview over dist/) and the vite dev server, which
// serves test harness pages under e2e/pages/ that import src/ directly (kernel and model checks). Both read
// vite.config.ts, so both send its COOP/COEP headers: the pages are cross-origin isolated, as when hosted.
import { preview, createServer } from 'vite';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

/** Serves dist/ (run `vite build` first). Returns { url, close }. */
export async function startPreview() {
  const server = await preview({ root: ROOT, logLevel: 'error', preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  const addr = server.httpServer.address();
  return { url: `http://127.0.0.1:${addr.port}/`, close: () => new Promise((r) => server.httpServer.close(r)) };
}

/** Vite dev server over the project: harness pages at `${url}e2e/pages/<name>.html`. */
export async function startDevServer() {
  const server = await createServer({ root: ROOT, logLevel: 'error', server: { port: 0, host: '127.0.0.1' }, optimizeDeps: { noDiscovery: false } });
  await server.listen();
  const addr = server.httpServer.address();
  return { url: `http://127.0.0.1:${addr.port}/`, close: () => server.close() };
}
