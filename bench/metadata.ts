// bench/metadata: lookups by alias, an object's aliases as the bucket grows (1k → 100k aliases of OTHER objects),
// and listings under load, beside raw NATS request/reply (nats.js request() and a publish + one reply subscription,
// as our multiplexer does) measured in the same run. The filler aliases are written straight into the KV, in the
// layout the backends write (`a.<dataset>.<alias>` and one `o.<id>` list per object, 100 aliases each).
// BENCH_LISTINGS=0 skips the listings (the alias part alone takes about a minute).
import { fileURLToPath } from 'node:url';
import { Kvm } from '@nats-io/kv';
import { Client } from '../src/index.js';
import { connectNats, encode, escapeKeyPart, inboxPrefix, RequestMux, resolveNatsSettings } from '../src/internal.js';
import { Box } from './model.js';
import { asAdmin, asUser, benchCluster, fmt, latencies, median, rawBaseline } from './lib.js';

const N = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const SIZES = [1_000, 100_000];
const LISTED = Number(process.env.BENCH_LISTED ?? 5_000);
const LISTINGS = process.env.BENCH_LISTINGS !== '0';
/** The reverse index of before lists through a consumer (~0.3 s at 100k keys): a few samples say enough. */
const BEFORE_SAMPLES = 20;
const ROUNDS = 3;

const model = fileURLToPath(new URL('./model.js', import.meta.url));
await using cluster = await benchCluster({ models: [model], backends: 3 });
await using admin = await new Client({ ...asAdmin(cluster) }).start();
await using _client = await new Client({ ...asUser(cluster) }).start();
const baseline = await rawBaseline(cluster);
const user = asUser(cluster).user ?? 'admin';
const mux = new RequestMux(baseline.nc, inboxPrefix(user));
// the KV as a backend sees it: for the filler, and for the reverse index the project used before (kept as a row)
const kvNc = await connectNats(
  resolveNatsSettings(cluster.secured ? cluster.connectOptionsFor('backend') : cluster.connectOptions, {}),
  'bench-kv',
);
const aliases = await new Kvm(kvNc).open(`dc_${cluster.namespace}_aliases`);
const p50 = async (op: () => Promise<unknown>, n = N) => {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(median(await latencies(op, n, Math.min(200, n))));
  return median(rounds);
};
const payload = new Uint8Array(100).fill(7);
const raw = {
  request: () => baseline.nc.request(baseline.subject, payload, { timeout: 5000 }),
  mux: () => mux.request(baseline.subject, payload, { timeoutMs: 5000 }),
};

try {
  console.log(
    `bench/metadata: 3 backends, nats-server ${cluster.natsUrl}; p50 of ${N} sequential, median of ${ROUNDS} rounds\n`,
  );
  const target = new Box(1);
  await target.makePersistent({ alias: 'bench-target' });
  for (const a of ['bench-2', 'bench-3']) await target.addAlias(a);
  let filled = 3;
  // the reverse index of before: o.<id>.<dataset>.<alias> keys, listed through a KV keys(filter) consumer
  for (const a of ['bench-target', 'bench-2', 'bench-3'])
    await aliases.put(`o.${target.id}.admin.${a}`, new Uint8Array());
  const reverseIndex = async () => {
    const found: string[] = [];
    for await (const k of await aliases.keys(`o.${target.id}.admin.*`)) found.push(k);
    await Promise.all(found.map((k) => aliases.get(`a.admin.${k.split('.').pop()}`)));
  };
  // a loaded machine times a put out now and then: the filler tries again (it is not what is measured)
  const put = async (key: string, value: Uint8Array): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await aliases.put(key, value);
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  };
  const fill = async (upTo: number) => {
    const perOwner = 100;
    const batch = 250; // at most 250 KV writes in flight: a loaded machine times out more
    while (filled < upTo) {
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < batch && filled < upTo; i++, filled++) {
        const owner = `filler-${Math.floor(filled / perOwner)}`;
        writes.push(put(`a.admin.${escapeKeyPart(`filler-${filled}`)}`, encode(owner)));
        // the owner's list, written once it names all of its aliases (or the last ones of the fill)
        if ((filled + 1) % perOwner === 0 || filled + 1 === upTo) {
          const first = Math.floor(filled / perOwner) * perOwner;
          const pairs = Array.from({ length: filled + 1 - first }, (_, k) => ['admin', `filler-${first + k}`]);
          writes.push(put(`o.${owner}`, encode(pairs)));
        }
      }
      await Promise.all(writes);
    }
  };
  const rawReq = await p50(raw.request);
  const rawMux = await p50(raw.mux);
  console.log(
    `raw NATS request p50: nats.js request() ${fmt(rawReq)} µs, publish + reply subscription ${fmt(rawMux)} µs\n`,
  );
  const row = (r: string[]) => console.log(r.map((c) => c.padStart(14)).join('  '));
  row([
    'aliases in bucket',
    'getAliases µs',
    'reverse index (before) µs',
    'getByAlias µs',
    'x raw request',
    'x raw mux',
    'raw request now µs',
  ]);
  const perSize: Record<number, { aliases: number; index: number; raw: number }> = {};
  for (const size of SIZES) {
    await fill(size);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the backends' watches take the filler in
    const got = await p50(() => target.getAliases());
    const index = median(await latencies(reverseIndex, BEFORE_SAMPLES, 2));
    const byAlias = await p50(() => Box.getByAlias('bench-target'));
    const rawNow = await p50(raw.request); // the machine's load moves the baseline too
    perSize[size] = { aliases: got, index, raw: rawNow };
    row([
      fmt(size),
      fmt(got),
      fmt(index),
      fmt(byAlias),
      fmt(byAlias / rawReq, 2),
      fmt(byAlias / rawMux, 2),
      fmt(rawNow),
    ]);
  }
  const [small, big] = SIZES.map((s) => perSize[s]);
  console.log(
    `\ngetAliases at ${fmt(SIZES[1])} / ${fmt(SIZES[0])} aliases of other objects: ${fmt(big.aliases / small.aliases, 2)}x (target <= 1.5); raw request over the same sizes: ${fmt(big.raw / small.raw, 2)}x; the reverse index of before: ${fmt(big.index / small.index, 2)}x`,
  );

  if (LISTINGS) {
    // listings under load: 10 full listings at once over LISTED objects, getByAlias measured meanwhile
    const boxes = Array.from({ length: LISTED }, (_, i) => new Box(i));
    for (let i = 0; i < boxes.length; i += 200)
      await Promise.all(boxes.slice(i, i + 200).map((b) => b.makePersistent()));
    const quiet = await p50(() => Box.getByAlias('bench-target'), 300);
    const during: number[] = [];
    let listing = true;
    const t0 = process.hrtime.bigint();
    const listings = Promise.all(
      Array.from({ length: 10 }, async () => {
        let n = 0;
        for await (const _ of admin.objects()) n++;
        return n;
      }),
    ).finally(() => (listing = false));
    const probe = (async () => {
      while (listing) {
        const t = process.hrtime.bigint();
        await Box.getByAlias('bench-target');
        during.push(Number(process.hrtime.bigint() - t) / 1000);
      }
    })();
    const counts = await listings;
    const listMs = Number(process.hrtime.bigint() - t0) / 1e6;
    await probe;
    console.log(
      `\n10 listings at once over ${fmt(counts[0])} records: ${fmt(listMs)} ms in all; getByAlias meanwhile p50 ${fmt(median(during))} µs, max ${fmt(Math.max(...during))} µs (${during.length} lookups; quiet p50 ${fmt(quiet)} µs)`,
    );
  }
} finally {
  mux.close();
  await kvNc.close();
  await baseline.close();
}
