/**
 * Response shapes of the Lucid store API, re-exported from the workspace package that defines
 * them (node-red-nodes/src/lib/store/store-types.ts and lib/api). They are not yet exported from
 * the package's index, so they come from its compiled declarations; never copy them here.
 */
export type {
  AlertDetail,
  AlertHistoryEntry,
  AuditVerifyResult,
  Page,
  SeriesPoint,
  SeriesResult,
  StatsResult,
  StoredFeedback,
} from 'node-red-contrib-lucid/dist/lib/store/store-types';
export type { PublicKeyInfo } from 'node-red-contrib-lucid/dist/lib/signing/signing-keys';
export type { ApiError } from 'node-red-contrib-lucid/dist/lib/api/api-router';
export type { ApiRole } from 'node-red-contrib-lucid/dist/lib/api/api-auth';

import type { ApiRole } from 'node-red-contrib-lucid/dist/lib/api/api-auth';

/**
 * `GET health` (built inline by the store's router, so it has no exported type): liveness, the
 * storage engine, the schema version, the alert count, the audit head, the signing key id, and
 * the role of the token sent (null without one).
 */
export interface HealthResponse {
  status: 'ok';
  engine: string;
  schemaVersion: number;
  alerts: number;
  auditHead: number;
  keyId: string;
  role: ApiRole | null;
  timeMs: number;
}
