// `scripts/setup.sh` builds the Temporal server of `npm run cluster` and the cluster test once.
import { ensureServerBuilt, SERVER_DIR } from '../src/cluster/stack';

ensureServerBuilt((line) => console.log(`[setup] ${line}`));
console.log(`[setup] Temporal server: ${SERVER_DIR}`);
