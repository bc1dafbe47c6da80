// The dataclay plugin compiles the model with the transformer, as `npm run build` (tspc) does.
import { dataclay } from 'dataclay/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [dataclay()],
  test: { include: ['test/**/*.test.ts'] },
});
