// `dataclay/vite`: a vite (and so vitest) plugin that compiles the project's TypeScript with the dataclay
// transformer, as `tspc` does, before vite's own TypeScript step (which would drop the decorators' class facts, and
// cannot lower TC39 decorators). Typed structurally: the package needs no vite types.
import { createEmitter, type Emitted } from './emitter';

export interface DataclayPluginOptions {
  /** The tsconfig whose compiler options apply, relative to vite's root (default tsconfig.json). */
  tsconfig?: string;
}

export interface DataclayVitePlugin {
  name: string;
  enforce: 'pre';
  configResolved(config: { root: string }): void;
  transform(code: string, id: string): Emitted | null;
}

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** `plugins: [dataclay()]` in vite.config.ts or vitest.config.ts. */
export function dataclay(options: DataclayPluginOptions = {}): DataclayVitePlugin {
  let root = process.cwd();
  let emitter: ReturnType<typeof createEmitter> | undefined;
  return {
    name: 'dataclay',
    enforce: 'pre',
    configResolved(config) {
      root = config.root;
    },
    transform(code, id) {
      const file = id.split('?')[0];
      if (!TYPESCRIPT.test(file) || file.endsWith('.d.ts') || file.includes('/node_modules/')) return null;
      // no decorator, nothing of ours to do: vite's own step strips the types faster
      if (!code.includes('@')) return null;
      emitter ??= createEmitter({ root, tsconfig: options.tsconfig });
      return emitter.emit(file, code);
    },
  };
}

export default dataclay;
