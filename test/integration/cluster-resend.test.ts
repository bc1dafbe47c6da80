// Requests in flight when a NATS server of the cluster dies, on 3 real nats-servers: a safe (idempotent) request is
// sent again as soon as the server the caller is connected to says the cluster lost one, so it does not wait out its
// timeout; any other request is never sent twice (its outcome is unknown: it waits, and times out).
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/index.js';
import { NatsCluster, RequestMux } from '../../src/internal.js';
import { makeTempDir, removeDir, waitFor } from '../setup/helpers.js';

describe('requests in flight when a NATS server dies (3-node cluster)', () => {
  let dir: string;
  let cluster: NatsCluster;
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    dir = makeTempDir('cluster-resend');
    cluster = await NatsCluster.start({ dir, size: 3 });
  });
  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    await cluster?.stop();
    removeDir(dir);
  });

  it('a safe request is sent again and answered; an unsafe one is not sent twice', async () => {
    const [a, b, c] = cluster.servers;
    // the responder sits on c (b to fall back on); what reaches it through c is lost with c, as when c dies holding it
    const responder = await connect({ servers: [c.url, b.url], noRandomize: true, reconnectTimeWait: 100 });
    connections.push(responder);
    let onC = true;
    void (async () => {
      for await (const s of responder.status()) if (s.type === 'reconnect') onC = false;
    })();
    const delivered: Record<string, number> = {};
    responder.subscribe('svc.>', {
      callback: (_err, msg: Msg) => {
        delivered[msg.subject] = (delivered[msg.subject] ?? 0) + 1;
        if (!onC) msg.respond(new TextEncoder().encode('answered'));
      },
    });
    await responder.flush();
    const caller = await connect({ servers: [a.url] });
    connections.push(caller);
    await waitFor(() => caller.info?.connect_urls?.length, { until: (n) => n === 3, what: 'the cluster advertised' });
    const mux = new RequestMux(caller, '_INBOX');
    try {
      const body = new Uint8Array([1]);
      const read = mux.request('svc.read', body, { timeoutMs: 60_000, idempotent: true });
      const write = mux.request('svc.write', body, { timeoutMs: 5_000 }).catch((err) => err);
      await waitFor(() => delivered['svc.read'] === 1 && delivered['svc.write'] === 1, { what: 'both delivered' });
      await c.kill();
      expect(new TextDecoder().decode(await read)).toBe('answered');
      expect(await write).toBeInstanceOf(TimeoutError);
      expect(delivered['svc.read']).toBeGreaterThanOrEqual(2);
      expect(delivered['svc.write']).toBe(1);
    } finally {
      mux.close();
      await c.launch();
      await cluster.waitReady(60_000);
    }
  });
});
