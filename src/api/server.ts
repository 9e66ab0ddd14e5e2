// The API's HTTP server, bounded: a slow or silent client cannot hold a connection for ever.
import type { Server } from 'node:http';
import type { Express } from 'express';

/** Headers within 10 s, the whole request within 30 s, an idle keep-alive connection closed after 5 s. */
export const SERVER_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 } as const;

export function listen(app: Express, port: number, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = host === undefined ? app.listen(port) : app.listen(port, host);
    Object.assign(server, SERVER_TIMEOUTS);
    server.once('error', reject);
    server.once('listening', () => resolve(server));
  });
}

/** Stops taking connections, lets calls in flight finish for up to `graceMs`, then cuts what is left. */
export function close(server: Server, graceMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
