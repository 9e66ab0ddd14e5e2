// What a request is taken in with, besides its policy: its manager and the subscription's terms.
// Read once at filing (by the API or the mailbox), so the workflow starts without a round trip.
import type { Db } from '../db/knex';
import { subscriptionTerms } from './ledger';
import { responsibleManager } from './people';

export interface IntakeTerms {
  managerId: string;
  timeZone: string;
  autoCloseAfterDays?: number;
}

export async function intakeTerms(db: Db, clientId: string): Promise<IntakeTerms> {
  return { managerId: await responsibleManager(db, clientId), ...(await subscriptionTerms(db, clientId)) };
}
