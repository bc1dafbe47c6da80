// The backend's guard against faults no call catches: what it logs, how much, and that it never throws itself.
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { faultSource, type RequestContext, surviveFaults } from '../../src/internal.js';
import { Saboteur } from '../models/index.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { lines, log };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('surviveFaults', () => {
  it('logs each fault with its origin and keeps listening, whatever was thrown', () => {
    const { lines, log } = capture();
    const events = new EventEmitter();
    const guard = surviveFaults(log, events);
    events.emit('uncaughtException', new RangeError('one'));
    events.emit('unhandledRejection', 'a plain string');
    events.emit('unhandledRejection', Object.create(null));
    expect(guard.count).toBe(3);
    expect(lines.map((l) => l.origin)).toEqual(['uncaughtException', 'unhandledRejection', 'unhandledRejection']);
    expect(lines[0]).toMatchObject({ level: 50, err: { type: 'RangeError', message: 'one' } });
    expect(lines[0].msg).toBe('an exception no call caught; the backend keeps serving');
    guard.uninstall();
    expect(events.listenerCount('uncaughtException') + events.listenerCount('unhandledRejection')).toBe(0);
  });

  it('logs at most 20 faults per 10 s, then how many more there were', () => {
    vi.useFakeTimers();
    const { lines, log } = capture();
    const events = new EventEmitter();
    const guard = surviveFaults(log, events);
    for (let i = 0; i < 25; i++) events.emit('uncaughtException', new Error(`tick ${i}`));
    expect(lines).toHaveLength(20);
    vi.advanceTimersByTime(10_000);
    expect(lines.at(-1)).toMatchObject({ suppressed: 5, msg: '5 more uncaught faults were not logged' });
    events.emit('uncaughtException', new Error('after'));
    expect(lines.at(-1)).toMatchObject({ err: { message: 'after' } });
    expect(guard.count).toBe(26);
    guard.uninstall();
  });
});

describe('faultSource', () => {
  it('names the request, the object called and, once noted, the method', () => {
    const obj = new Saboteur();
    const ctx: RequestContext = { username: 'u', dataset: 'd', chain: 'c-1', created: [], touched: new Set([obj]) };
    expect(faultSource(ctx)).toEqual({
      username: 'u',
      dataset: 'd',
      chain: 'c-1',
      className: obj.className,
      objectId: obj.id,
    });
    ctx.method = 'throwLater'; // what the call handler records
    expect(faultSource(ctx)).toMatchObject({ className: obj.className, method: 'throwLater', objectId: obj.id });
    expect(faultSource(undefined)).toBeUndefined();
  });
});
