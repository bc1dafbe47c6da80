// Prometheus metrics of a backend (prom-client), served over HTTP when asked: load, store, replicas, requests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BackendRuntime } from './backend-runtime.js';

export class BackendMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'op' | 'outcome'>;
  private readonly duration: Histogram<'op'>;
  private server: Server | undefined;

  constructor(rt: Pick<BackendRuntime, 'backendId' | 'heap' | 'objects' | 'replicas'>) {
    this.registry.setDefaultLabels({ backend: rt.backendId });
    collectDefaultMetrics({ register: this.registry, prefix: 'dataclay_' });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('dataclay_loaded_objects', 'Objects loaded in memory', () => rt.heap.size);
    gauge('dataclay_loaded_bytes', 'Bytes of the stored records of the loaded objects', () => rt.heap.bytes);
    gauge('dataclay_stored_objects', 'Objects in the backend store', () => rt.objects.count);
    gauge('dataclay_replicas_held', "Replicas of other backends' objects held here", () => rt.replicas.size);
    gauge(
      'dataclay_replicas_loaded',
      'Replicas held here and loaded in memory (the rest load on read)',
      () => rt.replicas.loadedCount,
    );
    this.requests = new Counter({
      name: 'dataclay_requests_total',
      help: 'Requests answered, by operation and outcome',
      labelNames: ['op', 'outcome'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'dataclay_request_duration_seconds',
      help: 'Time to answer a request, by operation',
      labelNames: ['op'],
      registers: [this.registry],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    });
  }

  /** Counts one answered request (`subject` ends with the operation). */
  observe(subject: string, seconds: number, ok: boolean): void {
    const op = subject.slice(subject.lastIndexOf('.') + 1);
    this.requests.inc({ op, outcome: ok ? 'ok' : 'error' });
    this.duration.observe({ op }, seconds);
  }

  /**
   * Serves /metrics on `port` (0: any free port) of `host` and resolves to its URL. Loopback unless told otherwise:
   * the metrics name datasets' traffic and the host's load, for whoever reaches the port.
   */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${(this.server.address() as AddressInfo).port}/metrics`;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
