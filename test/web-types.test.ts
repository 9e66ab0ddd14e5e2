// The web app's API types are generated from the API's own description, never written by hand:
// they must be what `npm run gen:api` makes of today's /openapi.json.
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { TYPES_FILE, apiTypes } from '../scripts/gen-api-types';

it('web/src/api-types.ts is generated from the current /openapi.json (npm run gen:api)', async () => {
  expect(fs.readFileSync(TYPES_FILE, 'utf8')).toBe(await apiTypes());
});
