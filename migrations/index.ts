// Every migration, in order. Listed by hand so that they load the same way under tsx, vitest
// and compiled JavaScript: knex's directory scan would need a TypeScript loader at run time.
import type { Knex } from 'knex';
import * as initial from './20261127000000_initial';
import * as lifecycle from './20261127010000_lifecycle';
import * as allocation from './20261127020000_allocation';
import * as billing from './20261127030000_billing';
import * as load from './20261127040000_load';
import * as listIndexes from './20261127050000_list_indexes';
import * as attention from './20261129000000_attention';
import * as adminAudit from './20261129010000_admin_audit';
import * as reviewKeys from './20261129020000_review_keys';
import * as conversation from './20261130000000_conversation';
import * as signIn from './20261130010000_sign_in';
import * as searchByClient from './20261130020000_search_by_client';
import * as liveEvents from './20261201000000_live_events';
import * as managerClientsIndex from './20261201010000_manager_clients_index';
import * as triageDue from './20261201020000_triage_due';
import * as language from './20261201030000_language';
import * as policies from './20261202000000_policies';
import * as authNotices from './20261202010000_auth_notices';
import * as rateBuckets from './20261202020000_rate_buckets';
import * as mail from './20261203000000_mail';
import * as projectRequest from './20261204000000_project_request';
import * as webhookOutbox from './20261205000000_webhook_outbox';
import * as liveVersions from './20261205010000_live_versions';
import * as authNoticeColumns from './20261205020000_auth_notice_columns';
import * as writeLedgers from './20261206000000_write_ledgers';

export const MIGRATIONS: Record<string, Knex.Migration> = {
  '20261127000000_initial': initial,
  '20261127010000_lifecycle': lifecycle,
  '20261127020000_allocation': allocation,
  '20261127030000_billing': billing,
  '20261127040000_load': load,
  '20261127050000_list_indexes': listIndexes,
  '20261129000000_attention': attention,
  '20261129010000_admin_audit': adminAudit,
  '20261129020000_review_keys': reviewKeys,
  '20261130000000_conversation': conversation,
  '20261130010000_sign_in': signIn,
  '20261130020000_search_by_client': searchByClient,
  '20261201000000_live_events': liveEvents,
  '20261201010000_manager_clients_index': managerClientsIndex,
  '20261201020000_triage_due': triageDue,
  '20261201030000_language': language,
  '20261202000000_policies': policies,
  '20261202010000_auth_notices': authNotices,
  '20261202020000_rate_buckets': rateBuckets,
  '20261203000000_mail': mail,
  '20261204000000_project_request': projectRequest,
  '20261205000000_webhook_outbox': webhookOutbox,
  '20261205010000_live_versions': liveVersions,
  '20261205020000_auth_notice_columns': authNoticeColumns,
  '20261206000000_write_ledgers': writeLedgers,
};
