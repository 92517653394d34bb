import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';

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

// The studio is a static site: everything (model, sample data, wasm binaries) is served from its own origin.
export default defineConfig({
  plugins: [react(), contentSecurityPolicyMeta()],
  server: { headers: CROSS_ORIGIN_ISOLATION },
  preview: {
    headers: { ...CROSS_ORIGIN_ISOLATION, 'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'` },
  },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
