// Tests run on the compiled output (`npm run build` first): exactly what the transformer emitted, as shipped.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['dist/test/**/*.test.js'],
    globalSetup: ['dist/test/setup/global-setup.js'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
