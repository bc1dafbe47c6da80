// Fault tests that kill NATS servers under load (`npm run test:faults`; `.ci/run` runs them after the cluster
// profile): each starts a 3-node cluster of its own and loads the machine for a minute, so `npm test` leaves them out.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['dist/test/faults/**/*.fault.js'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
