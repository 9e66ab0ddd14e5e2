// The web app: built into web/dist and served by the API at /app/ (one origin, so the session
// cookie and the CSRF token need nothing cross-site).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
