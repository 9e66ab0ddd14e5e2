// `npm run bench [-- section …]`: measures Retainer Desk against the physical limit on this
// machine (the same Temporal server running a bare workflow) and writes BENCHMARKS.md.
// Sections: domain, throughput, latency, assignment, list, search, long, memory, cluster (all by default). Each one's
// result is kept in bench/results/<section>.json, so running one section updates its part only;
// `npm run bench -- report` only writes BENCHMARKS.md again from them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli } from '../src/dev/stack';
import { assignment } from './assignment';
import { domainCore } from './domain';
import { latency } from './latency';
import { longRequest } from './long-request';
import { renderReport } from './report';
import { requestListBench } from './request-list';
import { searchBench } from './search';
import { openBenchStack } from './stack';
import { throughput } from './throughput';
import { workerMemory } from './worker-memory';
import { clusterBench } from './cluster';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
export const SETTINGS = {
  requests: num('BENCH_REQUESTS', 200),
  concurrency: num('BENCH_CONCURRENCY', 20),
  connections: num('BENCH_CONNECTIONS', 50),
  seconds: num('BENCH_SECONDS', 15),
  specialists: num('BENCH_SPECIALISTS', 10_000),
  openTasks: num('BENCH_OPEN_TASKS', 200_000),
  decisions: num('BENCH_DECISIONS', 1_000),
  listRequests: num('BENCH_LIST_REQUESTS', 1_000_000),
  listCalls: num('BENCH_LIST_CALLS', 100),
  open: num('BENCH_OPEN', 10_000),
  longActions: num('BENCH_LONG_ACTIONS', 10_000),
  searchRequests: num('BENCH_SEARCH_REQUESTS', 1_000_000),
  searchMessages: num('BENCH_SEARCH_MESSAGES', 5_000_000),
  searchCalls: num('BENCH_SEARCH_CALLS', 100),
};

const SECTIONS = ['domain', 'throughput', 'latency', 'assignment', 'list', 'search', 'long', 'memory', 'cluster'] as const;
type Section = (typeof SECTIONS)[number];
const RESULTS = path.resolve(__dirname, 'results');

function machine() {
  const cpus = os.cpus();
  const cli = findTemporalCli();
  return {
    date: new Date().toISOString(),
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    temporal: execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim(),
  };
}

async function main() {
  const asked = process.argv.slice(2).filter((a) => a !== 'report');
  const reportOnly = asked.length === 0 && process.argv.includes('report');
  const unknown = asked.filter((a) => !SECTIONS.includes(a as Section));
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
  const sections = (reportOnly ? [] : asked.length > 0 ? asked : SECTIONS) as Section[];
  fs.mkdirSync(RESULTS, { recursive: true });
  const save = (section: Section, result: unknown) =>
    fs.writeFileSync(path.join(RESULTS, `${section}.json`), JSON.stringify({ machine: machine(), settings: SETTINGS, result }, null, 2) + '\n');
  const log = (section: string) => (line: string) => console.log(`[${section}] ${line}`);

  if (sections.includes('domain')) save('domain', domainCore());
  const needStack = sections.some((s) => s === 'throughput' || s === 'latency' || s === 'assignment' || s === 'list' || s === 'search' || s === 'long');
  if (needStack) {
    const s = await openBenchStack(log('stack'));
    try {
      if (sections.includes('throughput')) save('throughput', await throughput(s, SETTINGS.requests, SETTINGS.concurrency, log('throughput')));
      if (sections.includes('latency')) save('latency', await latency(s, SETTINGS.connections, SETTINGS.seconds, log('latency')));
      if (sections.includes('assignment')) save('assignment', await assignment(s.db, SETTINGS.specialists, SETTINGS.openTasks, SETTINGS.decisions));
      if (sections.includes('long')) save('long', await longRequest(s, SETTINGS.longActions, log('long')));
      if (sections.includes('list')) save('list', await requestListBench(s.db, s.api, s.company.head, SETTINGS.listRequests, SETTINGS.listCalls));
      if (sections.includes('search')) save('search', await searchBench(s.db, s.api, s.company.head, SETTINGS.searchRequests, SETTINGS.searchMessages, SETTINGS.searchCalls, log('search')));
    } finally {
      await s.close();
    }
  }
  if (sections.includes('memory')) save('memory', await workerMemory(SETTINGS.open, log('memory')));
  if (sections.includes('cluster')) save('cluster', await clusterBench(() => openBenchStack(log('stack')), SETTINGS.requests, SETTINGS.concurrency, log('cluster')));

  const report = renderReport(RESULTS);
  fs.writeFileSync(path.resolve(__dirname, '../BENCHMARKS.md'), report);
  console.log(report);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
