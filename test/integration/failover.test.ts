// Failover (docs/failover.md) against real backends with `--backups 1`: a backend killed with SIGKILL (restarted, or
// replaced by one with an empty store) loses no acknowledged write, its objects are served by their promoted backups,
// and no object ever has two masters; a master paused with SIGSTOP past its liveness window is fenced when it
// resumes: it serves nothing it lost, and drops its copies.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DataClayError, DevCluster, GrantsUnavailableError, TimeoutError } from '../../src/index.js';
import { redirect } from '../../src/object/lifecycle.js';
import { FailoverLedger } from '../models/index.js';
import { natsProfile, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const NS = 'failover';
const IDS = ['backend-1', 'backend-2', 'backend-3'];

let cluster: DevCluster;
let client: Client;
let admin: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({
    models: TEST_MODELS,
    backends: 3,
    namespace: NS,
    backups: 1,
    ...natsProfile(),
    keepDir: process.env.DC_KEEP === '1', // a failing run's logs and stores, to read after it
  });
  admin = await new Client({ ...cluster.connectOptions, namespace: NS, timeoutMs: 3_000 }).start();
  client = await new Client({ ...cluster.connectOptionsFor('user'), namespace: NS, timeoutMs: 10_000 }).start();
}, 120_000);
afterAll(async () => {
  await client?.stop();
  await admin?.stop();
  await cluster?.stop();
});

/** What was acknowledged of one ledger: each entry at its position, and the notes set on it. */
interface Acked {
  ledger: FailoverLedger;
  /** position → token, for every acknowledged `record`. */
  entries: Map<number, string>;
  /** The last acknowledged dcSet of `note`, and the values tried after it (their outcome unknown). */
  note?: string;
  tried: Set<string>;
}

class Book {
  readonly all: Acked[] = [];
  acked = 0;
  /** Two acknowledged writes at one position of one ledger: two masters acknowledged writes (or one was lost). */
  readonly forks: string[] = [];

  add(ledger: FailoverLedger, first?: string): Acked {
    const a: Acked = { ledger, entries: new Map(), tried: new Set() };
    if (first !== undefined) a.entries.set(1, first);
    this.all.push(a);
    return a;
  }

  /** Which backend acknowledged each `record` token, and when: what a fork is traced back by. */
  private readonly by = new Map<string, string>();

  recorded(a: Acked, token: string, position: number, where = '?'): void {
    this.by.set(token, `${where} at ${new Date().toISOString()}`);
    const there = a.entries.get(position);
    if (there !== undefined && there !== token)
      this.forks.push(
        `${a.ledger.id}#${position}: ${there} (${this.by.get(there)}) and ${token} (${this.by.get(token)})`,
      );
    a.entries.set(position, token);
    this.acked++;
  }
}

/** Every acknowledged write is in the ledgers as they are now; the missing ones, named. */
async function lostWrites(book: Book): Promise<string[]> {
  const lost: string[] = [];
  for (const a of book.all) {
    const entries = await a.ledger.dcGet('entries');
    for (const [position, token] of a.entries)
      if (entries[position - 1] !== token) lost.push(`${a.ledger.id}#${position} ${token}`);
    if (a.note !== undefined) {
      const note = await a.ledger.dcGet('note');
      if (note !== a.note && !a.tried.has(note)) lost.push(`${a.ledger.id} note ${a.note} (is ${note})`);
    }
  }
  return lost;
}

/**
 * The cluster has settled: every object's master is live and keeps one live backup, each backend's store holds
 * exactly the objects the metadata names it the master of (a second master would hold a record the metadata does
 * not name it for), and exactly the copies the metadata names it a backup of (a backup counted on a holder that came
 * back empty would be none: its master's death would lose the object).
 */
async function settled(): Promise<string | true> {
  return settledNow().catch((err: Error) => `${err.name}: ${err.message}`);
}

async function settledNow(): Promise<string | true> {
  const live = new Set((await admin.getBackends()).keys());
  if (IDS.some((id) => !live.has(id))) return 'a backend is not back';
  const mastered = new Map<string, number>(IDS.map((id) => [id, 0]));
  const backedUp = new Map<string, number>(IDS.map((id) => [id, 0]));
  for (let page = await admin.listObjects({ limit: 1000 }); ; ) {
    for (const md of page) {
      if (!md.className.endsWith('FailoverLedger')) continue;
      if (!live.has(md.master)) return `${md.id}: master ${md.master} is not live`;
      if (md.replicas.length < 1 || md.replicas.some((r) => !live.has(r))) return `${md.id}: backups ${md.replicas}`;
      mastered.set(md.master, mastered.get(md.master)! + 1);
      for (const r of md.replicas) backedUp.set(r, backedUp.get(r)! + 1);
    }
    if (!page.cursor) break;
    page = await admin.listObjects({ limit: 1000, cursor: page.cursor });
  }
  for (const id of IDS) {
    const { stored, copies } = await admin.backend(id).stats();
    if (stored !== mastered.get(id)) return `${id} stores ${stored}, masters ${mastered.get(id)}`;
    if (copies !== backedUp.get(id)) return `${id} holds ${copies} copies, backs up ${backedUp.get(id)}`;
  }
  return true;
}

/**
 * Retries what times out: while a backend is paused, the metadata requests NATS hands it (it is still in the queue
 * group) go unanswered until it resumes; once resumed, it refuses calls until its grants watch is current again.
 */
async function patiently<T>(fn: () => Promise<T>): Promise<T> {
  const until = performance.now() + 60_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const transient = err instanceof TimeoutError || err instanceof GrantsUnavailableError;
      if (!transient || performance.now() > until) throw err;
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('failover', () => {
  it('backups: placed at creation on another backend, durable there, carried by a move at the next epoch, deleted with the object', async () => {
    const l = new FailoverLedger();
    await l.makePersistent({ backendId: 'backend-1' });
    await l.record('one');
    const md = await admin.getObjectMetadata(l.id);
    expect(md.master).toBe('backend-1');
    expect(md.replicas).toHaveLength(1);
    const [holder] = md.replicas;
    expect(holder).not.toBe('backend-1');
    const copies = async () => (await admin.backend(holder).stats()).copies;
    expect(await copies()).toBe(1); // on its disk: the first object of this cluster
    // the holder serves it as a copy (a read from a backup), in step with the acknowledged write
    expect((await admin.backend(holder).inspect(l.id)).fields.entries).toEqual(['one']);
    const target = IDS.find((id) => id !== 'backend-1' && id !== holder)!;
    await l.move(target);
    const moved = await admin.getObjectMetadata(l.id);
    expect([moved.master, moved.epoch, moved.replicas]).toEqual([target, 1, [holder]]);
    await l.record('two');
    expect((await admin.backend(holder).inspect(l.id)).fields.entries).toEqual(['one', 'two']);
    expect((await l.record('three'))[0]).toBe(target);
    expect(await copies()).toBe(1);
    await l.dcDelete();
    await waitFor(copies, { until: (n) => n === 0, what: "the holder's copy was deleted" });
    await expect(admin.backend(holder).inspect(l.id)).rejects.toThrow(DataClayError);
    await expect(admin.backend(target).inspect(l.id)).rejects.toThrow(DataClayError);
  });

  it('SIGSTOP: a paused master is replaced, and once resumed serves nothing it lost and loses no acknowledged write', async () => {
    const book = new Book();
    const ledgers = Array.from({ length: 8 }, () => new FailoverLedger());
    for (const l of ledgers) await l.makePersistent({ backendId: 'backend-1' });
    const acked = ledgers.map((l) => book.add(l));
    for (const [i, a] of acked.entries()) {
      for (let k = 0; k < 3; k++) book.recorded(a, `before-${i}-${k}`, (await a.ledger.record(`before-${i}-${k}`))[1]);
      await a.ledger.dcSet('note', `note-${i}`);
      a.note = `note-${i}`;
    }
    const paused = cluster.backend('backend-1');
    process.kill(paused.pid!, 'SIGSTOP');
    let resumed = false;
    try {
      // a call sent to the paused master waits in its socket: it must not be served by it when it resumes
      const queued = client.run({ timeoutMs: 120_000 }, () => ledgers[0].record('queued'));
      const masters = await waitFor(
        () => Promise.all(ledgers.map((l) => patiently(() => admin.getObjectMetadata(l.id)))),
        {
          until: (mds) => mds.every((md) => md.master !== 'backend-1' && (md.epoch ?? 0) >= 1),
          timeoutMs: 60_000,
          what: 'the backups took over',
        },
      );
      for (const [i, a] of acked.entries()) {
        if (i === 0) continue; // its proxy is busy with the queued call
        await patiently(() => a.ledger.sync()); // the metadata names the new master
        // a lookup this call makes may be handed to the paused backend too (a timeout: its outcome unknown, and the
        // book counts only what is acknowledged)
        const [where, position] = await patiently(() => a.ledger.record(`after-${i}`));
        expect(where).toBe(masters[i].master);
        book.recorded(a, `after-${i}`, position);
      }
      process.kill(paused.pid!, 'SIGCONT');
      resumed = true;
      // the queued call: refused by the resumed backend, or sent on to the new master; never served there
      const outcome = await queued.then(
        (r) => r,
        (err: unknown) => err,
      );
      if (outcome instanceof DataClayError) expect(outcome.name).not.toBe('RemoteError');
      else {
        const [where, position] = outcome as [string, number];
        expect(where).not.toBe('backend-1');
        book.recorded(acked[0], 'queued', position);
      }
    } finally {
      if (!resumed) process.kill(paused.pid!, 'SIGCONT');
    }
    // the resumed backend dropped every copy it lost, said so, and serves none of them
    // (right after it resumes, its own answers may still see every heartbeat as old: asked again)
    await waitFor(
      () =>
        admin
          .backend('backend-1')
          .stats()
          .then(
            (st) => st.stored,
            () => -1,
          ),
      {
        until: (n) => n === 0,
        what: 'backend-1 dropped what it lost',
      },
    );
    const log = readFileSync(paused.options.logFile, 'utf8');
    expect(log).toMatch(/liveness gap/);
    expect(log).toMatch(/fenced: another backend masters this object now/);
    // a caller that still takes backend-1 for the master is sent on: backend-1 answers for none of them
    for (const a of acked) {
      redirect(a.ledger, 'backend-1');
      const [where, position] = await patiently(() => a.ledger.record('last'));
      expect(where).not.toBe('backend-1');
      book.recorded(a, 'last', position);
    }
    expect(book.forks).toEqual([]);
    expect(await lostWrites(book)).toEqual([]);
    await waitFor(settled, {
      until: (s) => s === true,
      timeoutMs: 60_000,
      what: 'the cluster settled',
    });
  }, 180_000);

  it('a write whose backup stops answering mid-request is acknowledged once the live set drops the backup, not after the request timeout', async () => {
    const l = new FailoverLedger();
    await l.makePersistent({ backendId: 'backend-1' });
    await l.record('one');
    const [holder] = (await admin.getObjectMetadata(l.id)).replicas;
    const paused = cluster.backend(holder);
    process.kill(paused.pid!, 'SIGSTOP');
    try {
      // the backend's request timeout is 30 s: a push waiting for it would outlast this caller's 20 s
      const [, position] = await client.run({ timeoutMs: 20_000 }, () => l.record('two'));
      expect(position).toBe(2);
      const md = await patiently(() => admin.getObjectMetadata(l.id)); // the paused backend is in the metadata queue
      expect(md.replicas).not.toContain(holder);
    } finally {
      process.kill(paused.pid!, 'SIGCONT');
    }
    expect(await l.dcGet('entries')).toEqual(['one', 'two']);
    await waitFor(settled, { until: (s) => s === true, timeoutMs: 90_000, what: 'the cluster settled' });
  }, 180_000);

  it('a holder gone while its copy was placed elsewhere is told to retire it once back, not left to its scrub', async () => {
    const l = new FailoverLedger();
    await l.makePersistent({ backendId: 'backend-1' });
    await l.record('one');
    const [holder] = (await admin.getObjectMetadata(l.id)).replicas;
    const paused = cluster.backend(holder);
    const other = IDS.find((id) => id !== 'backend-1' && id !== holder)!;
    // undefined until the resumed holder is back in the live set
    const copies = () =>
      admin
        .backend(holder)
        .stats()
        .then(
          (s) => s.copies,
          () => undefined,
        );
    const before = (await copies())!;
    process.kill(paused.pid!, 'SIGSTOP');
    try {
      // the master sees the holder leave the live set and places the backup on the third backend
      await waitFor(async () => (await patiently(() => admin.getObjectMetadata(l.id))).replicas, {
        until: (r) => r.length === 1 && r[0] === other,
        timeoutMs: 60_000,
        what: 'the backup placed again',
      });
    } finally {
      process.kill(paused.pid!, 'SIGCONT');
    }
    // the resumed holder still has the copy on its disk; the master owes it a retire and sends it once it is live
    // (counted, not read: a read of a copy checks the metadata, and would drop it itself)
    const masterLog = cluster.backend('backend-1').options.logFile;
    await waitFor(() => readFileSync(masterLog, 'utf8'), {
      until: (log) => log.split('\n').some((line) => line.includes('no longer backs up') && line.includes(l.id)),
      timeoutMs: 60_000,
      what: 'the master retired the copy',
    });
    await waitFor(copies, { until: (n) => n !== undefined && n < before, timeoutMs: 60_000, what: 'the copy gone' });
    // retired by its master, not found by the holder's own scrub (which logs what it drops)
    const log = readFileSync(paused.options.logFile, 'utf8');
    expect(log.split('\n').filter((line) => line.includes(l.id) && line.includes('dropped a backup copy'))).toEqual([]);
    expect((await admin.backend(other).inspect(l.id)).fields.entries).toEqual(['one']);
    await waitFor(settled, { until: (s) => s === true, timeoutMs: 90_000, what: 'the cluster settled' });
  }, 180_000);

  it("a call whose change rides on another call's write is acknowledged only once that write is on its backup", async () => {
    const l = new FailoverLedger();
    await l.makePersistent({ backendId: 'backend-1' });
    await l.record('one');
    const [holder] = (await admin.getObjectMetadata(l.id)).replicas;
    const paused = cluster.backend(holder);
    const settledOrder: string[] = [];
    process.kill(paused.pid!, 'SIGSTOP');
    try {
      // `a` waits inside its method until `b` ran: `b`'s commit writes both entries (its push waits for the paused
      // holder), and `a`'s commit then has nothing of its own left to write
      const a = client.run({ timeoutMs: 60_000 }, () => l.recordAfter('a', 'b')).finally(() => settledOrder.push('a'));
      const b = client.run({ timeoutMs: 60_000 }, () => l.record('b')).finally(() => settledOrder.push('b'));
      const [[, pa], [, pb]] = await Promise.all([a, b]);
      expect([pa, pb]).toEqual([2, 3]);
      expect(settledOrder).toEqual(['b', 'a']); // `a` was not acknowledged while its entry was on no backup
    } finally {
      process.kill(paused.pid!, 'SIGCONT');
    }
    expect(await l.dcGet('entries')).toEqual(['one', 'a', 'b']);
    await waitFor(settled, { until: (s) => s === true, timeoutMs: 90_000, what: 'the cluster settled' });
  }, 180_000);

  // Rounds alternate: the killed backend replaced by one whose store was deleted (rounds 1, 3, 5), or restarted on its
  // own store (2, 4); the victim of each is random.
  it('kill -9 of a random backend, 5 times (replaced empty, or restarted): 0 acknowledged writes lost, never two masters', async () => {
    const book = new Book();
    const workers = 8;
    // each worker sets notes only on its own ledgers: one writer per note, so the last acknowledged value is known
    const own: Acked[][] = Array.from({ length: workers }, () => []);
    for (let i = 0; i < 24; i++) {
      const l = new FailoverLedger();
      await l.makePersistent({ backendId: IDS[i % 3] });
      own[i % workers].push(book.add(l));
    }
    let stop = false;
    let failed = 0;
    let sequence = 0;
    // the checks between rounds run with the workload held: a listing of the metadata under churn is no snapshot
    let held: Promise<void> | undefined;
    let resume = () => undefined as void;
    const worker = async (w: number) => {
      while (!stop) {
        await held;
        const n = sequence++;
        const roll = n % 20;
        try {
          if (roll < 12) {
            const a = book.all[Math.floor(Math.random() * book.all.length)];
            const [where, position] = await a.ledger.record(`t${n}`);
            book.recorded(a, `t${n}`, position, where);
          } else if (roll < 17) {
            const a = own[w][Math.floor(Math.random() * own[w].length)];
            a.tried.add(`n${n}`);
            await a.ledger.dcSet('note', `n${n}`);
            a.note = `n${n}`;
            a.tried.clear();
            book.acked++;
          } else {
            const l = new FailoverLedger();
            l.entries = [`c${n}`];
            await l.makePersistent();
            own[w].push(book.add(l, `c${n}`));
            book.acked++;
          }
        } catch {
          failed++; // not acknowledged: it may or may not have happened; a backoff, then on
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const running = Array.from({ length: workers }, (_, w) => worker(w));
    const promotions: number[] = [];
    const modes: string[] = [];
    try {
      for (let round = 0; round < 5; round++) {
        const start = book.acked;
        await waitFor(() => book.acked - start, { until: (n) => n >= 400, timeoutMs: 120_000, what: 'progress' });
        const victim = IDS[Math.floor(Math.random() * IDS.length)];
        // an object the victim masters, to time its promotion by
        const probe = book.add(new FailoverLedger());
        await probe.ledger.makePersistent({ backendId: victim });
        const killedAt = performance.now();
        await cluster.backend(victim).kill();
        // the first successful call on an object the killed backend mastered: its backup was promoted
        for (let k = 0; ; k++) {
          try {
            const [where, position] = await probe.ledger.record(`probe-${round}-${k}`);
            expect(where).not.toBe(victim);
            book.recorded(probe, `probe-${round}-${k}`, position);
            break;
          } catch {
            if (performance.now() - killedAt > 60_000) throw new Error(`no promotion of ${probe.ledger.id}`);
            await new Promise((r) => setTimeout(r, 25));
          }
        }
        promotions.push(performance.now() - killedAt);
        const replace = round % 2 === 0;
        modes.push(replace ? 'replaced' : 'restarted');
        if (replace) rmSync(cluster.backend(victim).options.storage, { recursive: true, force: true });
        await cluster.backend(victim).start(120_000);
        held = new Promise((r) => (resume = r));
        await waitFor(settled, {
          until: (s) => s === true,
          timeoutMs: 90_000,
          intervalMs: 250,
          what: 'settled',
        });
        held = undefined;
        resume();
      }
      const start = book.acked;
      await waitFor(() => book.acked - start, { until: (n) => n >= 200, timeoutMs: 120_000, what: 'progress' });
    } finally {
      stop = true;
      resume();
      await Promise.all(running);
    }
    const lost = await lostWrites(book);
    const ms = promotions.map(Math.round);
    console.log(
      `failover: ${book.acked} acknowledged (${failed} refused or unanswered), ${lost.length} lost, ` +
        `${book.all.length} ledgers; rounds ${modes.join(', ')}; kill → first call on a promoted object ` +
        `${ms.join(', ')} ms (median ${median(ms)}, max ${Math.max(...ms)})`,
    );
    expect(book.forks).toEqual([]);
    expect(lost).toEqual([]);
    expect(book.acked).toBeGreaterThanOrEqual(2_200);
  }, 900_000);
});
