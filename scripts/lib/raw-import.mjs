// `node --import ./scripts/lib/raw-import.mjs`: registers raw-import-hooks.mjs (Vite's `?raw` imports under Node).
import { register } from 'node:module';

register('./raw-import-hooks.mjs', import.meta.url);
