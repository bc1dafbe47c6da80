// Request rates and CPU load of the backends, from their Prometheus metrics (backend/metrics.ts) where they serve
// them: two samples of the counters, and the rate between them.
export interface Rates {
  /** Requests answered per second, and those that failed. */
  requests: number;
  errors: number;
  /** Share of one core the backend's process used (1 = 100 %). */
  cpu: number;
}

interface Sample {
  at: number;
  requests: number;
  errors: number;
  cpuSeconds: number;
}

/** Sums of the counters the console reads, from a Prometheus text exposition. */
export function readCounters(text: string): Omit<Sample, 'at'> {
  let requests = 0;
  let errors = 0;
  let cpuSeconds = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    if (line.startsWith('dataclay_requests_total{')) {
      requests += value;
      if (line.includes('outcome="error"')) errors += value;
    } else if (line.startsWith('dataclay_process_cpu_seconds_total')) cpuSeconds = value;
  }
  return { requests, errors, cpuSeconds };
}

export class MetricsSampler {
  private readonly last = new Map<string, Sample>();

  /** The rates since the previous sample of this backend; undefined on the first one, or without metrics. */
  async rates(backendId: string, metricsUrl: string | undefined): Promise<Rates | undefined> {
    if (!metricsUrl) return undefined;
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (!response?.ok) return undefined;
    const sample = { at: Date.now(), ...readCounters(await response.text()) };
    const before = this.last.get(backendId);
    this.last.set(backendId, sample);
    if (!before || sample.at <= before.at) return undefined;
    const seconds = (sample.at - before.at) / 1000;
    return {
      requests: (sample.requests - before.requests) / seconds,
      errors: (sample.errors - before.errors) / seconds,
      cpu: (sample.cpuSeconds - before.cpuSeconds) / seconds,
    };
  }
}
