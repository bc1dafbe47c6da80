// The backend's handlers for itself: stats (ping), flush, stop.
import type { BackendOps } from '../protocol/backend-ops.js';
import type { Handlers } from '../protocol/handlers.js';
import type { BackendRuntime } from './backend-runtime.js';

export interface BackendControl {
  /** Stops the backend after the reply is sent. */
  stop(): void;
}

export function adminHandlers(
  rt: Pick<BackendRuntime, 'backendId' | 'heap' | 'objects' | 'writes' | 'replicas'>,
  control: BackendControl,
): Pick<Handlers<BackendOps>, 'ping' | 'flush' | 'stop'> {
  return {
    ping: () => ({
      id: rt.backendId,
      loaded: rt.heap.size,
      loadedBytes: rt.heap.bytes,
      stored: rt.objects.count,
      copies: rt.objects.backupCount,
      copiesLoaded: rt.replicas.loadedCount,
      rss: process.memoryUsage.rss(),
      maxRss: process.resourceUsage().maxRSS * 1024,
      uptimeMs: Math.round(process.uptime() * 1000),
    }),
    flush: () => rt.writes.flushAll(),
    stop: () => {
      setImmediate(() => control.stop());
    },
  };
}
