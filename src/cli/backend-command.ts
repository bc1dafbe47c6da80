// `dataclay backend`: one backend process until SIGINT/SIGTERM, then a clean stop.
import { Backend } from '../backend/backend.js';

export interface BackendCommandOptions { nats: string; models: string[]; id?: string; namespace: string }

export async function runBackend(options: BackendCommandOptions): Promise<void> {
  const backend = await Backend.start({ natsUrl: options.nats, models: options.models, id: options.id, namespace: options.namespace });
  const shutdown = () => {
    backend.stop().then(() => process.exit(0), (err) => {
      backend.log.error({ err }, 'unclean stop');
      process.exit(1);
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.send?.({ type: 'ready', id: backend.id });
}
