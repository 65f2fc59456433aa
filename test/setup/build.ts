// Builds dist/ once before the suites (as `npm ci` does through `prepare`): the process tests
// run the gateway and the CLIs the way `npm start` and `npm run rollout` do, from the bundles.
import { execFileSync } from 'node:child_process';

export default function build() {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
