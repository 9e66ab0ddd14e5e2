// Who may see a request, kept in each API process so that an action costs no PostgreSQL round trip
// to check it. What is kept is what the request itself says (its client, its manager, everyone on
// its tasks), at the version the read model held: each change of a request is announced on
// `desk_events` with its version (migrations/20261205010000_live_versions.ts), and an older
// version is forgotten; an API's own write of an answer keeps that version at once. Kept facts
// only ever grant: a refusal, and a manager's view through their client's account (not announced),
// are asked of PostgreSQL every time. While announcements cannot be heard, nothing is kept.
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import type { Actor, RequestState } from '../domain';
import { DESK_EVENTS } from '../stores/live-events';
import { Announcements } from './announcements';
import { mayView, requestAccess, type RequestAccessRow, type RequestRef } from '../stores/requests';

/** A request's facts as kept: never its client's account manager (changes to it are not announced). */
interface Kept extends RequestAccessRow {
  account_manager_id: null;
  until: number;
}

export class VisibilityCache {
  private readonly kept = new Map<string, Kept>();
  /** Keys name one request for ever: kept apart, never forgotten but by size. */
  private readonly ids = new Map<string, string>();
  /** The newest version announced of each request lately: nothing older is kept after it. */
  private readonly announced = new Map<string, number>();
  private readonly announcements: Announcements;
  /** Bumped when everything is forgotten: facts read before it are not kept after it. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    logger: Logger,
    private readonly ttlMs = 60_000,
    private readonly max = 50_000,
  ) {
    this.announcements = new Announcements(db, DESK_EVENTS, {
      logger,
      onNotice: (payload) => this.heard(payload),
      forget: () => this.forget(),
      meanwhile: 'who may see a request is asked on every call',
    });
  }

  /** The request `ref` names, if `actor` may see it (`visibleTo`'s rule). */
  async visible(actor: Actor, ref: { id: string } | { key: string }): Promise<RequestRef | undefined> {
    const heard = this.announcements.heard;
    const id = 'id' in ref ? ref.id : this.ids.get(ref.key);
    const hit = id === undefined ? undefined : this.kept.get(id);
    // The same rule as PostgreSQL's, on the facts kept: it grants all but a manager's view through the account.
    if (hit && hit.until > Date.now() && heard && mayView(actor, hit)) return refOf(hit);
    const generation = this.generation;
    const row = await requestAccess(this.db, ref);
    if (!row) return undefined;
    this.keep(row, generation);
    return mayView(actor, row) ? refOf(row) : undefined;
  }

  /** The state an answer carried, just written to the read model by this process. */
  written(s: RequestState): void {
    this.keep(
      {
        id: s.requestId,
        key: s.key ?? null,
        client_id: s.clientId,
        manager_id: s.managerId,
        account_manager_id: null,
        staff: s.tasks.flatMap((t) => [...(t.assigneeId ? [t.assigneeId] : []), ...(t.mentorId ? [t.mentorId] : []), ...t.helperIds]),
        version: s.version,
      },
      this.generation,
    );
  }

  private keep(row: RequestAccessRow, generation: number): void {
    if (!this.announcements.heard || generation !== this.generation) return;
    if ((this.announced.get(row.id) ?? 0) > row.version) return;
    const have = this.kept.get(row.id);
    if (have && have.version > row.version) return;
    if (this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value as string);
    this.kept.delete(row.id);
    this.kept.set(row.id, { ...row, account_manager_id: null, until: Date.now() + this.ttlMs });
    if (row.key) {
      if (this.ids.size >= this.max) this.ids.delete(this.ids.keys().next().value as string);
      this.ids.set(row.key, row.id);
    }
  }

  /** A notice: a request changed (forget what is older than its version), or many did (forget everything). */
  private heard(payload: string): void {
    let notice: { k?: string; id?: string; v?: number };
    try {
      notice = JSON.parse(payload) as typeof notice;
    } catch {
      return;
    }
    if (notice.k === 'bulk') return this.forget();
    if (notice.k !== 'request' || !notice.id) return;
    const version = typeof notice.v === 'number' ? notice.v : Infinity;
    const kept = this.kept.get(notice.id);
    if (kept && kept.version < version) this.kept.delete(notice.id);
    if (version !== Infinity && (this.announced.get(notice.id) ?? 0) < version) {
      if (this.announced.size >= this.max) this.announced.delete(this.announced.keys().next().value as string);
      this.announced.set(notice.id, version);
    }
  }

  forget(): void {
    this.generation++;
    this.kept.clear();
    this.announced.clear();
  }

  async close(): Promise<void> {
    await this.announcements.close();
  }
}

const refOf = (row: RequestRef): RequestRef => ({ id: row.id, key: row.key, client_id: row.client_id });
