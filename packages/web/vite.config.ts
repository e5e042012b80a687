/**
 * Vite build of the web app: one PWA served by the gateway from `dist/` at `/`, on the same origin as the API.
 * Besides the bundle it emits `sw.js`, the service worker, with the exact list of files that make the app shell
 * (index.html, the hashed bundle, the manifest, the icons), so an installed app opens offline while every `/v1/...`
 * call still goes to the network. `npm run dev` proxies `/v1` to a local gateway (PAYCHAIN_API, default :8080).
 */
import { readFileSync } from 'node:fs';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** The placeholder in `sw-template.js` that the build replaces with the shell's version and file list. */
const SHELL_PLACEHOLDER = "{ version: 'dev', files: ['/'] }";
/** Files copied from `public/` that belong to the shell (the bundle's own files are added from the build). */
const SHELL_PUBLIC_FILES = ['/manifest.webmanifest', '/icon.svg', '/icon-maskable.svg'];

function shellServiceWorker(): Plugin {
  return {
    name: 'paychain-shell-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      // index.html is cached under `/`, the URL the app is opened at; source maps are not part of the shell.
      const built = Object.keys(bundle).filter((name) => name !== 'index.html' && !name.endsWith('.map'));
      const files = ['/', ...SHELL_PUBLIC_FILES, ...built.map((name) => `/${name}`)];
      const unique = [...new Set(files)].sort();
      // The version changes whenever a hashed file name does, so a new build replaces the old cache.
      let hash = 0;
      for (const ch of unique.join('\n')) hash = (Math.imul(hash, 31) + (ch.codePointAt(0) ?? 0)) | 0;
      const shell = JSON.stringify({ version: (hash >>> 0).toString(16), files: unique });
      const template = readFileSync(new URL('./sw-template.js', import.meta.url), 'utf8');
      if (!template.includes(SHELL_PLACEHOLDER)) throw new Error('sw-template.js lost its shell placeholder');
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: template.replace(SHELL_PLACEHOLDER, shell) });
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [react(), shellServiceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/v1': { target: process.env.PAYCHAIN_API ?? 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
});
