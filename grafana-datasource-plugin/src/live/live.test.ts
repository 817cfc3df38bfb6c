import type { AlertEvent } from 'node-red-contrib-lucid';
import { alertFixture } from '../testing/fixtures';
import { resolveQuery } from '../query/resolveQuery';
import { applyAlertEvent } from './applyAlertEvent';
import { SseParser } from './SseParser';

describe('SseParser', () => {
  const stream =
    'retry: 5000\n\n: ping\n\nid: 7\nevent: alert\ndata: {"a":1}\n\nid: 8\r\nevent: alert\r\ndata: line1\r\ndata: line2\r\n\r\ndata: plain\n\n';

  it('parses events, ids and multi-line data, ignoring comments and retry', () => {
    const p = new SseParser();
    expect(p.feed(stream)).toEqual([
      { event: 'alert', data: '{"a":1}', id: '7' },
      { event: 'alert', data: 'line1\nline2', id: '8' },
      { event: 'message', data: 'plain', id: '8' },
    ]);
    expect(p.lastEventId).toBe('8');
  });

  it.each([1, 2, 3, 7, 13])('gives the same events for chunks of %i characters', (size) => {
    const p = new SseParser();
    const events = [];
    for (let i = 0; i < stream.length; i += size) {
      events.push(...p.feed(stream.slice(i, i + size)));
    }
    expect(events.map((e) => e.data)).toEqual(['{"a":1}', 'line1\nline2', 'plain']);
  });

  it('waits for the blank line before emitting', () => {
    const p = new SseParser();
    expect(p.feed('event: alert\ndata: x\n')).toEqual([]);
    expect(p.feed('\n')).toEqual([{ event: 'alert', data: 'x', id: undefined }]);
  });
});

describe('applyAlertEvent', () => {
  const q = resolveQuery({ refId: 'A', status: ['open', 'acknowledged'], limit: 2 }, (v) => v);
  const a = alertFixture({ id: 'a', priority: 50 });
  const b = alertFixture({ id: 'b', priority: 70 });
  const ev = (kind: AlertEvent['kind'], alert = a): AlertEvent => ({ kind, alert, tsMs: 1, by: 'lucid-route' });

  it('adds a new matching alert at its priority rank and cuts to the limit', () => {
    const c = alertFixture({ id: 'c', priority: 90 });
    expect(applyAlertEvent([b, a], ev('opened', c), q).map((x) => x.id)).toEqual(['c', 'b']);
  });

  it('replaces an updated alert and re-sorts', () => {
    const rows = applyAlertEvent([b, a], ev('updated', { ...a, priority: 99, count: 9 }), q);
    expect(rows.map((x) => [x.id, x.count])).toEqual([
      ['a', 9],
      ['b', 3],
    ]);
  });

  it('removes an alert that no longer matches (resolved while showing open ones)', () => {
    const rows = [b, a];
    const out = applyAlertEvent(rows, ev('resolved', { ...a, status: 'resolved' }), q);
    expect(out.map((x) => x.id)).toEqual(['b']);
    expect(rows).toHaveLength(2);
  });

  it('ignores a non-matching alert that was not shown', () => {
    expect(applyAlertEvent([b], ev('suppressed', { ...a, status: 'suppressed' }), q).map((x) => x.id)).toEqual(['b']);
  });
});
