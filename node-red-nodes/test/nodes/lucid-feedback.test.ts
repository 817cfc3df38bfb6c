import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import helper from 'node-red-node-test-helper';
import storeConfigNode = require('../../src/nodes/lucid-store-config/lucid-store-config');
import storeNode = require('../../src/nodes/lucid-store/lucid-store');
import feedbackNode = require('../../src/nodes/lucid-feedback/lucid-feedback');
import type { StoreConfigNode } from '../../src/nodes/lucid-store-config/store-config';
import type { Adaptation } from '../../src/lib/contracts/types';
import { makeAlert, makeEvent } from '../lib/store/fixtures';

helper.init(require.resolve('node-red'));

const ADMIN = 'admin-token-0123456789abcdef';
const OPERATOR = 'operator-token-0123456789abcdef';
let dir: string;
type AnyNode = { receive(msg: object): void; on(ev: string, cb: (...a: unknown[]) => void): void };

const flow = (fbExtra: object = {}) => [
  { id: 'cfg', type: 'lucid-store-config', dataDir: dir, tokenEnv: '' },
  { id: 'st', type: 'lucid-store', store: 'cfg', wires: [['fb']] },
  {
    id: 'fb',
    type: 'lucid-feedback',
    store: 'cfg',
    falsePositive: 'both',
    replayDelayMs: 50,
    ...fbExtra,
    wires: [['out']],
  },
  { id: 'out', type: 'helper' },
];
const creds = { cfg: { adminToken: ADMIN, operatorToken: OPERATOR } };

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lucid-node-fb-'));
  return helper.startServer();
});
afterEach(async () => {
  await helper.unload();
  await helper.stopServer();
  rmSync(dir, { recursive: true, force: true });
});

describe('lucid-feedback', () => {
  it('turns a false positive posted through the API into recorded, listed, revertible adaptations that survive a restart', async () => {
    await helper.load([storeConfigNode, storeNode, feedbackNode], flow(), creds);
    const cfg = helper.getNode('cfg') as unknown as StoreConfigNode;
    const store = await cfg.store;
    const got: Adaptation[] = [];
    (helper.getNode('out') as unknown as AnyNode).on('input', (m) =>
      got.push((m as { adaptation: Adaptation }).adaptation),
    );
    (helper.getNode('st') as unknown as AnyNode).receive({ event: makeEvent('opened', makeAlert()) });
    await until(() => store.getAlert('a-1'));
    const app = express().use('/lucid/api', cfg.api!.router);
    await request(app)
      .post('/lucid/api/alerts/a-1/feedback')
      .set('Authorization', `Bearer ${OPERATOR}`)
      .send({ verdict: 'false_positive', user: 'alice' })
      .expect(201);
    await until(() => got.length >= 2 || undefined);
    expect(got.map((a) => a.kind)).toEqual(['threshold', 'suppress']);
    expect(got[0]).toMatchObject({
      deviceId: 'dev-1',
      metric: 'temperature',
      value: 0.1,
      createdBy: 'alice',
      alertId: 'a-1',
    });
    const listed = (
      await request(app)
        .get('/lucid/api/adaptations?active=true')
        .set('Authorization', `Bearer ${OPERATOR}`)
        .expect(200)
    ).body;
    expect(listed.items.map((a: Adaptation) => a.id).sort()).toEqual(got.map((a) => a.id).sort());
    // Revert through the API: lucid-store emits it, lucid-feedback forwards it to detect/route.
    await request(app)
      .post(`/lucid/api/adaptations/${got[1].id}/revert`)
      .set('Authorization', `Bearer ${ADMIN}`)
      .expect(200);
    await until(() => got.length >= 3 || undefined);
    expect(got[2]).toMatchObject({ id: got[1].id, kind: 'suppress', revertedMs: expect.any(Number) });
    const audit = await store.verifyAudit();
    expect(audit.ok).toBe(true);

    // Restart: the adaptation still in force is re-sent to detection and routing.
    await helper.unload();
    await helper.load([storeConfigNode, storeNode, feedbackNode], flow(), creds);
    const again: Adaptation[] = [];
    (helper.getNode('out') as unknown as AnyNode).on('input', (m) =>
      again.push((m as { adaptation: Adaptation }).adaptation),
    );
    await until(() => again.length >= 1 || undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(again.map((a) => a.id)).toEqual([got[0].id]);
  });

  it('works without a store when msg.alert is given, and forwards msg.adaptation', async () => {
    await helper.load(
      [feedbackNode],
      [
        { id: 'fb', type: 'lucid-feedback', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
    );
    const got: Adaptation[] = [];
    (helper.getNode('out') as unknown as AnyNode).on('input', (m) =>
      got.push((m as { adaptation: Adaptation }).adaptation),
    );
    const fb = helper.getNode('fb') as unknown as AnyNode;
    fb.receive({
      payload: { alertId: 'a-1', verdict: 'maintenance', user: 'bob', tsMs: 1 },
      alert: makeAlert(),
    });
    fb.receive({
      adaptation: { id: 'x', kind: 'silence', createdBy: 'y', reason: 'z', tsMs: 1, revertedMs: 2 },
    });
    await until(() => got.length >= 2 || undefined);
    expect(got[0]).toMatchObject({ kind: 'silence', deviceId: 'dev-1', createdBy: 'bob' });
    expect(got[1]).toMatchObject({ id: 'x', revertedMs: 2 });
  });

  it('sends bad feedback to done(err), and shows a red status for a bad policy', async () => {
    await helper.load(
      [feedbackNode],
      [
        { id: 'fb', type: 'lucid-feedback' },
        { id: 'bad', type: 'lucid-feedback', thresholdStep: 5 },
      ],
    );
    const fb = helper.getNode('fb') as unknown as AnyNode;
    const errors: unknown[] = [];
    fb.on('call:error', (e) => errors.push(e));
    fb.receive({ payload: { verdict: 'meh' } });
    fb.receive({ payload: { alertId: 'a-1', verdict: 'useful', user: 'u', tsMs: 1 } });
    fb.receive({ adaptation: 'nope' });
    await until(() => errors.length >= 3 || undefined);
    const bad = helper.getNode('bad') as unknown as AnyNode;
    const badErrors: unknown[] = [];
    bad.on('call:error', (e) => badErrors.push(e));
    bad.receive({ payload: { alertId: 'a-1', verdict: 'useful', user: 'u', tsMs: 1 }, alert: makeAlert() });
    await until(() => badErrors.length || undefined);
  });
});
