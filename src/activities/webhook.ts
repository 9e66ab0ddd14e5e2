// Webhook delivery from the outbox PostgreSQL holds: the worker drains the notifications the read
// model gets, as they come (LISTEN on the desk's events) and on a short poll for retries. A request's
// workflow does not wait for, or even know of, the webhook.
import { createHmac } from 'node:crypto';
import type { Db } from '../db/knex';
import { DESK_EVENTS, listenTo } from '../stores/live-events';
import { claimDeliveries, delivered, deliveryFailed, nextDeliveryDue, type Delivery } from '../stores/notifications';
import { wakeablePause } from '../shared/pause';

export interface Webhook {
  url: string;
  /** HMAC-SHA256 key: receivers check `Webhook-Signature` against it. */
  secret: string;
}

/** `v1=` + HMAC-SHA256 over "<id>.<timestamp>.<body>", hex. */
export function signWebhook(secret: string, id: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('hex')}`;
}

/** Deliveries claimed at once, each sent in parallel within a claim. */
const BATCH = 20;
/** How long a claim holds its notifications: well past the send's own timeout (a claim's sends go in parallel). */
const LEASE_SECONDS = 30;
const SEND_TIMEOUT_MS = 10_000;
/** 1 s, 2 s, 4 s … up to 5 min between attempts: 20 attempts take about an hour, then it gives up (the inbox keeps it). */
export const MAX_ATTEMPTS = 20;
const WITHIN_SECONDS = 2 * 3600;
const IDLE_POLL_MS = 10_000;
export const retryAfterSeconds = (attempts: number): number => Math.min(300, 2 ** Math.max(0, attempts - 1));

async function send(webhook: Webhook, n: Delivery): Promise<void> {
  const body = JSON.stringify({
    id: n.id,
    requestId: n.request_id,
    clientId: n.client_id,
    recipientRole: n.recipient_role,
    recipientId: n.recipient_id,
    kind: n.kind,
    text: n.text,
    createdAt: n.created_at.toISOString(),
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(webhook.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Webhook-Id': n.id,
      'Webhook-Timestamp': timestamp,
      'Webhook-Signature': signWebhook(webhook.secret, n.id, timestamp, body),
    },
    body,
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`webhook answered ${res.status} for ${n.id}`);
}

/**
 * Delivers one claim of due notifications (of these `ids` only, if given), signed, each at most
 * once successfully. Receivers deduplicate by `Webhook-Id` for the rare resend after a crash
 * between delivery and bookkeeping. Answers how many were claimed and how many failed.
 */
export async function deliverDue(db: Db, webhook: Webhook, ids?: string[]): Promise<{ claimed: number; failed: string[] }> {
  const due = await claimDeliveries(db, { limit: BATCH, leaseSeconds: LEASE_SECONDS, maxAttempts: MAX_ATTEMPTS, withinSeconds: WITHIN_SECONDS, ...(ids ? { ids } : {}) });
  const failed: string[] = [];
  await Promise.all(
    due.map(async (n) => {
      try {
        await send(webhook, n);
        await delivered(db, n.id);
      } catch (err) {
        failed.push(`${n.id}: ${String(err)}`);
        await deliveryFailed(db, n.id, retryAfterSeconds(n.delivery_attempts)).catch(() => undefined);
      }
    }),
  );
  return { claimed: due.length, failed };
}

/** Whether a desk event says notifications were written (`inbox`, one; `bulk`, many at once). */
function announcesNotifications(payload: string): boolean {
  try {
    const k = (JSON.parse(payload) as { k?: string }).k;
    return k === 'inbox' || k === 'bulk';
  } catch {
    return false;
  }
}

export interface Courier {
  stop(): Promise<void>;
}

/**
 * Drains the outbox while the worker runs: at once when PostgreSQL announces a notification, when
 * the next retry is due, and at least every 10 s (in case an announcement was missed).
 */
export function startCourier(db: Db, webhook: Webhook, warn: (message: string, meta?: Record<string, unknown>) => void): Courier {
  let stopped = false;
  const pause = wakeablePause();
  /** An announcement came since the last drain began. */
  let poked = false;
  const poke = () => {
    poked = true;
    pause.wake();
  };
  let listening: Promise<{ end: () => Promise<void> } | undefined> | undefined;
  const listen = () => {
    listening ??= listenTo(db, DESK_EVENTS, (payload) => (announcesNotifications(payload) ? poke() : undefined), () => {
      listening = undefined;
    }).catch(() => {
      listening = undefined;
      return undefined;
    });
  };
  const loop = (async () => {
    while (!stopped) {
      if (!listening) listen();
      poked = false;
      let wait = IDLE_POLL_MS;
      try {
        const { claimed, failed } = await deliverDue(db, webhook);
        if (failed.length > 0) warn('webhook delivery failed; retried later', { failed });
        if (claimed === BATCH) continue;
        const due = await nextDeliveryDue(db, { maxAttempts: MAX_ATTEMPTS, withinSeconds: WITHIN_SECONDS });
        if (due) wait = Math.min(wait, Math.max(100, due.getTime() - Date.now()));
      } catch (err) {
        warn('the webhook outbox cannot be read', { error: String(err) });
        wait = 1_000;
      }
      if (stopped) break;
      if (poked) continue;
      await pause.wait(wait);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      poke();
      await loop;
      await (await listening)?.end();
    },
  };
}
