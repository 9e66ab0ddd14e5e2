// One home for each kind of data: SQL lives in src/stores only. Routes parse, authorise, call a
// store or the workflow, and answer; activities are adapters over stores.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const files = (dir: string): string[] =>
  fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

/** A query builder called on the connection or a transaction, raw SQL, or knex itself. */
const SQL = /\b(db|trx)\s*(<[^>]*>)?\(\s*['"`]|\.raw\(|from 'knex'/;

it('no SQL outside src/stores: the API, the activities, the workflows and the worker only call stores', () => {
  const offenders = ['src/api', 'src/activities', 'src/workflows', 'src/worker']
    .flatMap(files)
    .filter((f) => SQL.test(fs.readFileSync(path.join(root, f), 'utf8')));
  expect(offenders).toEqual([]);
  expect(files('src/stores').filter((f) => SQL.test(fs.readFileSync(path.join(root, f), 'utf8'))).length).toBeGreaterThan(8);
});

it('the API imports nothing from the activities', () => {
  const offenders = files('src/api').filter((f) => /from '(\.\.\/)+activities/.test(fs.readFileSync(path.join(root, f), 'utf8')));
  expect(offenders).toEqual([]);
});
