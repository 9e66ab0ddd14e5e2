// `scripts/setup.sh` builds the Temporal server of `npm run cluster` and the cluster test once, and its UI.
import { ensureServerBuilt, ensureUiBuilt, SERVER_DIR, UI_DIR } from '../src/cluster/stack';

ensureServerBuilt((line) => console.log(`[setup] ${line}`));
console.log(`[setup] Temporal server: ${SERVER_DIR}`);
console.log(`[setup] Temporal UI: ${ensureUiBuilt((line) => console.log(`[setup] ${line}`)) ? UI_DIR : 'not built (npm run cluster runs without it)'}`);
