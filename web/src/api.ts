// The API as the web app calls it: typed from /openapi.json (api-types.ts is generated), on the
// same origin, with the session cookie and, on every change, the session's CSRF token.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './api-types';

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer T } } } }
  ? T
  : paths[P][M] extends { responses: { 201: { content: { 'application/json': infer T } } } }
    ? T
    : never;

export type Session = Json<'/auth/session', 'get'>;
export type Actor = Session['actor'];
export type RequestView = Json<'/requests/{id}', 'get'>;
export type RequestList = Json<'/requests', 'get'>;
export type ListItem = RequestList['items'][number];
export type MessagePage = Json<'/requests/{id}/messages', 'get'>;
export type Message = MessagePage['items'][number];
export type Timeline = Json<'/requests/{id}/timeline', 'get'>;

/** A problem+json answer, as the API sends it for every refusal. */
export interface Problem {
  status: number;
  title: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

/** An action on a request (its body as the action's schema in api-types.ts says): the new state, or an ApiError. */
export async function act(path: string, body: object, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE' = 'POST', headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', ...(csrfToken ? { 'X-CSRF-Token': csrfToken } : {}), 'Idempotency-Key': crypto.randomUUID(), ...headers },
    body: JSON.stringify(body),
  });
  const answer: unknown = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new ApiError(answer as Problem);
  return answer;
}
