import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// `make app` (the dev server): the app reads its configuration from /amplify_outputs.json, which
// the running local stack wrote to .local/ (`make run`); the production build is served by the
// stack itself (devtools/local_stack/app_server.py), which answers the same path.
const OUTPUTS = resolve(import.meta.dirname, '../../.local/amplify_outputs.json');

function localOutputs(): Plugin {
  return {
    name: 'ape-moments-local-outputs',
    configureServer(server) {
      server.middlewares.use('/amplify_outputs.json', (_request, response) => {
        try {
          response.setHeader('Content-Type', 'application/json');
          response.end(readFileSync(OUTPUTS));
        } catch {
          response.statusCode = 404;
          response.end(JSON.stringify({ error: `${OUTPUTS} not found: start the local stack (make run)` }));
        }
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), localOutputs()],
  server: { host: '127.0.0.1', port: 3000, strictPort: true },
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 2000 },
});
