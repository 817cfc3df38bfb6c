import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert, Narrative } from '../../../src/lib/contracts/types';
import { narrativeSubject } from '../../../src/lib/contracts/types';
import { SigningKeys } from '../../../src/lib/signing';
import { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';
import { makeAlert, makeEvent, makeIncident } from './fixtures';

const keys = SigningKeys.generate();
let dir: string;
let store: SqlAlertStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lucid-narrative-'));
  store = await SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
    keys,
    flushIntervalMs: 0,
    cleanupIntervalMs: 0,
  });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqlAlertStore: a narrative is stored with its alert', () => {
  it('keeps explanation.narrative (generated, with the model) and the history through an updated event, signed', async () => {
    const opened = makeAlert();
    await store.applyAlertEvent(makeEvent('opened', opened), makeIncident());
    const narrative: Narrative = {
      text: 'Temperature rose 18.2 °C in 5 min.',
      generated: true,
      model: 'llama3.2:3b',
      subject: narrativeSubject(opened.explanation),
      tsMs: opened.lastSeenMs,
      createdMs: opened.lastSeenMs + 900,
    };
    const updated: Alert = {
      ...opened,
      explanation: { ...opened.explanation, narrative },
      explanationHistory: [
        { tsMs: opened.firstSeenMs, deviceId: opened.deviceId, type: 'spike', title: 't', evidence: ['e1'] },
      ],
    };
    const r = await store.applyAlertEvent(makeEvent('updated', updated), makeIncident());
    expect(r.duplicate).toBe(false);
    const detail = await store.getAlertDetail(opened.id);
    expect(detail?.alert.explanation.narrative).toEqual(narrative);
    expect(detail?.alert.explanationHistory?.[0].evidence).toEqual(['e1']);
    expect(detail?.events.map((e) => e.kind)).toEqual(['opened', 'updated']);
    expect(detail?.signatureValid).toBe(true);
  });
});
