import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

// Cross-origin isolation (COOP + COEP) lets the WebAssembly backend use threads (SharedArrayBuffer) when
// there is no GPU. Everything the studio loads is same-origin, so require-corp blocks nothing of ours.
// Static hosting must send the same two headers (README).
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Privacy: the page and its worker may connect to the app's own origin only, so images and models cannot
// leave the machine even through a compromised dependency. blob: serves thumbnails, downloads and the wasm
// backend's thread workers (scripts loaded from blob: URLs); 'wasm-unsafe-eval' compiles the WebAssembly
// backend; 'unsafe-eval' is for protobufjs, which builds
// the ONNX exporter's encoders with Function (it cannot open a connection: connect-src still rules fetches).
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' blob: 'wasm-unsafe-eval' 'unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "media-src 'self' blob:",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

// Hosts that cannot send headers still get the policy from a <meta> in the built page (dev keeps Vite's
// inline HMR scripts working without it). frame-ancestors only works as a header.
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'fovea-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

// Offline after the first visit: a Workbox service worker (built app only; the dev server registers none)
// precaches the app shell, the WebAssembly binaries and the pretrained model. Assets under assets/ carry a content
// hash in their name; the model files get a content revision, so a changed model is fetched again. A new
// deployment installs beside the running one and waits ('prompt'): the studio offers a reload
// (src/ui/shared/UpdateBanner.tsx) instead of swapping versions under a running training. Sample photographs are
// optional: cached when first loaded. Cached responses keep their headers (COOP/COEP, CSP), so the page stays
// cross-origin isolated offline.
function offlineServiceWorker() {
  return VitePWA({
    registerType: 'prompt',
    injectRegister: null, // registered from src/ui/shared/UpdateBanner.tsx (a module: no inline script for the CSP)
    manifest: false,
    workbox: {
      globPatterns: ['**/*.{html,js,css,wasm}', 'models/googlenet/*.{json,bin}'],
      globIgnores: ['samples/**'],
      maximumFileSizeToCacheInBytes: 16 * 1024 * 1024, // weight shards are 4 MiB, the worker bundle ~2 MiB
      navigateFallback: 'index.html',
      cleanupOutdatedCaches: true,
      clientsClaim: true, // the first visit is served by the worker without a reload; updates still wait
      runtimeCaching: [{
        urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.includes('/samples/'),
        handler: 'StaleWhileRevalidate',
        options: { cacheName: 'fovea-samples', expiration: { maxEntries: 400 } },
      }],
    },
  });
}

// The studio is a static site: everything (model, sample data, wasm binaries) is served from its own origin.
export default defineConfig({
  plugins: [react(), contentSecurityPolicyMeta(), offlineServiceWorker()],
  server: { headers: CROSS_ORIGIN_ISOLATION },
  preview: {
    headers: { ...CROSS_ORIGIN_ISOLATION, 'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'` },
  },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One fork per core (Vitest's default leaves one core idle: on a 2-core CI machine the suite ran serially,
    // 482 s; with both cores 280 s). The heavy files train on tfjs's single-threaded CPU backend.
    maxWorkers: '100%',
  },
});
