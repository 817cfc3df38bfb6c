import type { Alert, AlertEvent, Incident } from '../../../src/lib/contracts/types';
import { alertFingerprint } from '../../../src/lib/route/fingerprint';
import {
  buildSlackMessage,
  buildSlackSummary,
  escapeMrkdwn,
  type SlackBlock,
} from '../../../src/lib/route/slack-message';
import { buildWebhookPayload, buildWebhookSummary } from '../../../src/lib/route/webhook-payload';
import { det, T0 } from './fixtures';

function event(kind: AlertEvent['kind'] = 'opened', over: Partial<Alert> = {}): AlertEvent {
  const d = det({ tsMs: T0, related: ['dev-a2', 'dev-<b>'], title: 'Spike & <!channel> on *dev-a1*' });
  const alert: Alert = {
    id: 'al-0123456789abcdef',
    fingerprint: alertFingerprint('dev-a1', 'temperature', 'spike'),
    incidentId: 'inc-0123456789abcdef',
    deviceId: 'dev-a1',
    site: 'plant-1',
    zone: 'zone-a',
    metric: 'temperature',
    severity: 'high',
    priority: 72.5,
    status: kind === 'resolved' ? 'resolved' : 'open',
    firstSeenMs: T0,
    lastSeenMs: T0 + 60_000,
    count: 3,
    score: d.score,
    explanation: d.explanation!,
    ...over,
  };
  return { kind, alert, tsMs: T0 + 60_000, by: 'lucid-route' };
}
const incident: Incident = {
  id: 'inc-0123456789abcdef',
  site: 'plant-1',
  zone: 'zone-a',
  rootDeviceId: 'dev-a1',
  alertIds: ['a', 'b'],
  deviceIds: ['dev-a1', 'dev-a2'],
  severity: 'high',
  topPriority: 72.5,
  openedMs: T0,
  lastSeenMs: T0,
  status: 'open',
  title: 'x',
};
const allText = (blocks: SlackBlock[]): string => JSON.stringify(blocks);

describe('escapeMrkdwn', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<!channel>', '&lt;!channel&gt;'],
    ['<https://evil|click>', '&lt;https://evil|click&gt;'],
    ['plain', 'plain'],
  ])('%s → %s', (input, out) => expect(escapeMrkdwn(input)).toBe(out));
});

describe('buildSlackMessage', () => {
  const msg = buildSlackMessage(event(), incident);

  it('has a fallback text and a header, fields, summary, causes, actions, related, context', () => {
    expect(msg.text).toContain('[HIGH]');
    expect(msg.text).toContain('dev-a1');
    expect(msg.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    const types = msg.blocks.map((b) => b.type);
    expect(types).toEqual(['header', 'section', 'section', 'section', 'section', 'context', 'context']);
    const fields = (msg.blocks[1] as { fields: { text: string }[] }).fields.map((f) => f.text);
    expect(fields).toEqual(
      expect.arrayContaining([
        '*Severity*\nHIGH',
        '*Priority*\n72.5/100',
        '*Device*\n`dev-a1`',
        '*Site / zone*\nplant-1 / zone-a',
        '*Metric*\ntemperature',
      ]),
    );
    expect(allText(msg.blocks)).toContain('Cooling fan failure: *70%*');
    expect(allText(msg.blocks)).toContain('1. Inspect the cooling fan');
    expect(allText(msg.blocks)).toContain('`dev-a2` (same zone, 90%)');
    expect(allText(msg.blocks)).toContain('2 alerts on 2 devices');
  });

  it('escapes user text in mrkdwn and keeps the header plain text', () => {
    const json = allText(msg.blocks.slice(1));
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('&lt;b&gt;');
    expect((msg.blocks[0] as { text: { text: string } }).text.text).toContain('Spike & <!channel>');
  });

  it('respects Block Kit limits on long text', () => {
    const long = 'x'.repeat(5000);
    const e = event();
    e.alert.explanation = { ...e.alert.explanation, title: long, summary: long };
    const m = buildSlackMessage(e);
    expect((m.blocks[0] as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(150);
    for (const b of m.blocks)
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(m.text.length).toBeLessThanOrEqual(3000);
  });

  it('renders a resolution without causes or actions', () => {
    const m = buildSlackMessage(event('resolved', { resolvedMs: T0 + 600_000 }));
    expect((m.blocks[0] as { text: { text: string } }).text.text).toMatch(/RESOLVED/);
    expect(allText(m.blocks)).not.toContain('Probable causes');
    expect(allText(m.blocks)).toContain('*Resolved*');
    expect(m.text).toMatch(/^Resolved:/);
  });

  it('renders a rate-limit summary', () => {
    const m = buildSlackSummary({
      channel: 'slack',
      fromMs: T0,
      toMs: T0 + 600_000,
      count: 12,
      bySeverity: { high: 10, low: 2 },
      alerts: [
        {
          alertId: 'al-1',
          incidentId: 'inc-1',
          deviceId: 'dev-<x>',
          severity: 'high',
          title: 'Spike on dev-<x>',
        },
      ],
    });
    expect(m.text).toMatch(/^12 notifications held back/);
    expect(allText(m.blocks)).toContain('10 high, 2 low');
    expect(allText(m.blocks)).toContain('dev-&lt;x&gt;');
    expect(allText(m.blocks)).toContain('and 11 more');
  });
});

describe('buildWebhookPayload', () => {
  it('is {version, event, tsMs, alert, incident}', () => {
    const e = event('updated');
    const body = buildWebhookPayload(e, incident);
    expect(body).toEqual({ version: 1, event: 'alert.updated', tsMs: e.tsMs, alert: e.alert, incident });
    expect(buildWebhookPayload(e).incident).toBeNull();
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  });
  it('summaries carry the dropped counts', () => {
    const s = {
      channel: 'webhook' as const,
      fromMs: 1,
      toMs: 2,
      count: 3,
      bySeverity: { low: 3 },
      alerts: [],
    };
    expect(buildWebhookSummary(s, 5)).toEqual({
      version: 1,
      event: 'notifications.rate_limited',
      tsMs: 5,
      summary: s,
    });
  });
});

describe('buildSlackMessage: text an operator trusts', () => {
  it('lists every device of a correlated alert, names no metric on a connectivity alert, one time format', () => {
    const zone = buildSlackMessage(event('opened', { deviceIds: ['dev-a1', 'dev-a2', 'dev-a3'] }));
    expect(allText(zone.blocks)).toContain('*Devices*\\n`dev-a1`, `dev-a2`, `dev-a3`');
    const lost = buildSlackMessage(event('opened', { metric: 'connectivity' }));
    expect(allText(lost.blocks)).toContain('*Metric*\\n—');
    expect(allText(lost.blocks)).toContain('since 2024-01-01 12:00:00 UTC');
    expect(allText(lost.blocks)).not.toMatch(/\d{4}-\d\d-\d\dT\d\d/);
  });

  it('does not repeat the device after a title that names it', () => {
    const opened = buildSlackMessage(event('opened'));
    const resolved = buildSlackMessage(event('resolved', { resolvedMs: T0 + 120_000 }));
    expect(opened.text.split('dev-a1').length - 1).toBe(1);
    expect(resolved.text.split('dev-a1').length - 1).toBe(1);
  });
});
