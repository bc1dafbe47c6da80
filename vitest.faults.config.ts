// Fault tests that are not part of `npm test` yet (`npm run test:faults`): the NATS node-kill test still finds
// defects on main (docs/scaling.md says which), so it runs on demand until they are fixed.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['dist/test/faults/**/*.fault.js'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
