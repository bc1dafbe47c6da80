// Tests run on the compiled output (`npm run build` first): exactly what the transformer emitted, as shipped.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['dist/test/**/*.test.js'],
    globalSetup: ['dist/test/setup/global-setup.js'],
    // Generous, for loaded machines (several suites sharing two cores run the same work many times slower): no test
    // here takes more than a few seconds when idle, and one that hangs on a request fails at the client's 30 s
    // TimeoutError (which names the request) before this limit, not with a bare "test timed out".
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
