// The API reference at /docs: Swagger UI (swagger-ui-dist, served from this process, nothing from
// elsewhere) reading /openapi.json — every operation with its parameters, body, response shape and
// error examples, and "Try it out" with a bearer token.
import path from 'node:path';
import express, { Router } from 'express';

const DIST = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** Swagger UI sets style attributes, hence 'unsafe-inline' for styles; scripts only from here. */
const HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Retainer Desk API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<main id="docs"><noscript>The reference needs JavaScript; the description itself is at <a href="/openapi.json">/openapi.json</a>.</noscript></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#docs',
  deepLinking: true,
  docExpansion: 'list',
  defaultModelRendering: 'model',
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  filter: true,
  validatorUrl: null,
});
`;

/** The files the page loads, and no others (not the package's demo page or its source maps). */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js']);

export function docsRouter(): Router {
  const router = Router();
  router.get('/docs', (_req, res) => {
    res.set({ ...HEADERS, 'Cache-Control': 'no-cache' }).type('html').send(PAGE);
  });
  router.use('/docs/init.js', (_req, res) => {
    res.set({ ...HEADERS, 'Cache-Control': 'no-cache' }).type('text/javascript').send(INIT);
  });
  router.use('/docs/assets', (req, res, next) => {
    if (!ASSETS.has(req.path.slice(1))) {
      next();
      return;
    }
    express.static(DIST, { maxAge: '1d', index: false, setHeaders: (r) => r.set(HEADERS) })(req, res, next);
  });
  return router;
}
