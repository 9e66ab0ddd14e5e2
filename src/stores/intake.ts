// A request's intake terms (its manager, the subscription's terms), read once at filing (by the API or the mailbox), so the workflow starts without a round trip.
import type { Db } from '../db/knex';
import type { IntakeTerms } from '../shared/contract';
import { subscriptionTerms } from './ledger';
import { responsibleManager } from './people';

export async function intakeTerms(db: Db, clientId: string): Promise<IntakeTerms> {
  return { managerId: await responsibleManager(db, clientId), ...(await subscriptionTerms(db, clientId)) };
}
