// The web app, served by the API at /app/ (one origin with the API: the session cookie and the
// CSRF token need nothing cross-site). Built by `npm run build:web` into web/dist.
import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

export const WEB_DIST = path.resolve(__dirname, '../../web/dist');

/** No script, style or connection from elsewhere; no framing; no referrer (invitation links carry a token). */
const HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** The web app's own routes (pages, not API: /openapi.json does not describe them). */
export const WEB_ROUTES = ['get /', 'get /app', 'get /app/{*page}'];

export function webRouter(dist = WEB_DIST): Router {
  const router = Router();
  router.get('/', (_req, res) => res.redirect(302, '/app/'));
  router.use('/app/assets', express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false, setHeaders: (res) => res.set(HEADERS) }));
  // Every other /app path is a page of the app: the same document, the app routes it.
  const page: express.RequestHandler = (_req, res) => {
    const index = path.join(dist, 'index.html');
    res.set({ ...HEADERS, 'Cache-Control': 'no-cache' });
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send('The web app is not built: run `npm run build:web` (bash scripts/setup.sh does it).');
      return;
    }
    res.sendFile(index);
  };
  router.get('/app', page);
  router.get('/app/{*page}', page);
  return router;
}
