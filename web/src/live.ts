// Live pages: one EventSource on GET /events for the whole app (the session cookie signs it in);
// a page says which changes concern it and reads its data again when one comes. After a broken
// stream reconnects, every page reads again (changes in between were not seen).
import { useEffect, useRef } from 'react';

export type LiveEvent = { kind: 'request'; id: string } | { kind: 'inbox' } | { kind: 'escalation' } | { kind: 'refresh' };

const handlers = new Set<(e: LiveEvent) => void>();
let source: EventSource | null = null;

function emit(e: LiveEvent) {
  for (const h of [...handlers]) h(e);
}

function connect() {
  if (source || typeof EventSource === 'undefined') return;
  let opened = false;
  source = new EventSource('/events');
  source.addEventListener('ready', () => {
    if (opened) emit({ kind: 'refresh' });
    opened = true;
  });
  source.addEventListener('request', (m) => emit({ kind: 'request', id: (JSON.parse((m as MessageEvent<string>).data) as { id: string }).id }));
  for (const kind of ['inbox', 'escalation', 'refresh'] as const) source.addEventListener(kind, () => emit({ kind }));
}

function disconnect() {
  source?.close();
  source = null;
}

/** Ends the stream (signing out). */
export const stopLive = disconnect;

/**
 * Calls `reload` (at most every 300 ms) when an event `concerns` says matters to this page arrives;
 * `refresh` always matters.
 */
export function useLive(concerns: (e: LiveEvent) => boolean, reload: () => void): void {
  const latest = useRef({ concerns, reload });
  latest.current = { concerns, reload };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const handler = (e: LiveEvent) => {
      if (e.kind !== 'refresh' && !latest.current.concerns(e)) return;
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        latest.current.reload();
      }, 300);
    };
    handlers.add(handler);
    connect();
    return () => {
      clearTimeout(timer);
      handlers.delete(handler);
      if (handlers.size === 0) disconnect();
    };
  }, []);
}
