// The production shape, in one place: `npm run cluster` runs it, docker-compose.yml and the Helm
// values (deploy/helm/temporal-values.yaml) describe it, and a test holds the three together.
export const CLUSTER = {
  /** The Temporal server, built from its Go module by `npm run cluster` and pulled as images elsewhere. */
  temporalVersion: '1.32.0',
  /** The Temporal UI server, built from its Go module (github.com/temporalio/ui-server) by `npm run cluster`. */
  uiVersion: '2.54.1',
  /** Fixed for the life of a cluster: history shards cannot be changed once it holds data. */
  numHistoryShards: 4,
  /** Temporal's four services, each its own process (container, pod). */
  services: ['frontend', 'history', 'matching', 'worker'] as const,
  /** Retainer Desk's own processes. */
  desk: { workers: 2, apis: 2 },
  /** Temporal's schema versions for PostgreSQL 12+ (persistence and visibility) at that release. */
  schema: { temporal: '1.19', visibility: '1.14' },
} as const;

export type TemporalService = (typeof CLUSTER.services)[number];
