// The OpenAPI description is generated from the zod schemas, and covers exactly the routes served.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../src/api/app';
import { allOperations } from '../src/api/openapi';
import { WEB_ROUTES } from '../src/api/web';
import { createLogger } from '../src/observability';
import { openHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => h?.close());

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function served(app: { router: { stack: Layer[] } }): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push(`${m} ${layer.route.path}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(app.router.stack);
  return [...new Set(out)].sort();
}

it('documents exactly the routes Express serves', () => {
  const app = createApp({ db: h.db, temporal: h.temporal, logger: createLogger('silent') }) as unknown as { router: { stack: Layer[] } };
  const documented = [...new Set(allOperations().map((o) => `${o.method} ${o.path}`))].sort();
  expect(documented).toEqual(served(app).filter((r) => !WEB_ROUTES.includes(r)));
  // The web app's pages are served beside the API.
  expect(served(app)).toEqual(expect.arrayContaining(WEB_ROUTES));
});

it('serves OpenAPI 3.1 with request bodies generated from the zod schemas', async () => {
  const res = await h.http.get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.body.openapi).toBe('3.1.0');
  const create = res.body.paths['/requests'].post;
  const schema = create.requestBody.content['application/json'].schema;
  expect(schema).toMatchObject({ type: 'object', additionalProperties: false, required: expect.arrayContaining(['title', 'description']) });
  expect(schema.properties.title).toMatchObject({ type: 'string', minLength: 1, maxLength: 200 });
  expect(schema.properties.priority.enum).toEqual(['critical', 'high', 'normal', 'low']);
  expect(create.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
  const estimate = res.body.paths['/requests/{id}/tasks/{taskId}/estimate'].post;
  expect(estimate.requestBody.content['application/json'].schema.properties.complexity.enum).toEqual(['low', 'medium', 'high']);
  expect(estimate.responses['409'].content['application/problem+json']).toBeDefined();
  expect(res.body.paths['/requests/{id}/rework'].post.responses['202']).toBeDefined();
});

it('serves the API reference at /docs: Swagger UI from this process, reading /openapi.json', async () => {
  const res = await h.http.get('/docs');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('text/html');
  expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  const scripts = [...res.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
  const styles = [...res.text.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!);
  expect(scripts).toEqual(['/docs/assets/swagger-ui-bundle.js', '/docs/init.js']);
  for (const asset of [...scripts, ...styles]) {
    const a = await h.http.get(asset);
    expect(a.status, asset).toBe(200);
    expect(a.headers['x-content-type-options']).toBe('nosniff');
  }
  expect((await h.http.get('/docs/init.js')).text).toContain("url: '/openapi.json'");
  // Only the two files the page needs: not the package's demo page or anything beside it.
  for (const other of ['/docs/assets/index.html', '/docs/assets/swagger-ui-bundle.js.map', '/docs/assets/../package.json']) {
    const r = await h.http.get(other);
    expect(r.status, other).not.toBe(200);
    expect(r.headers['content-type'], other).toContain('application/problem+json');
  }
});

it('describes every refusal with an example problem', async () => {
  const res = await h.http.get('/openapi.json');
  const approve = res.body.paths['/requests/{id}/approve'].post.responses;
  expect(approve['409'].content['application/problem+json'].example).toMatchObject({ type: 'about:blank', status: 409, title: 'Conflict' });
  expect(approve['404'].content['application/problem+json'].example.status).toBe(404);
});
