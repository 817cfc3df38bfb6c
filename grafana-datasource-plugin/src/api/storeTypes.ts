/**
 * Response shapes of the Lucid store API, re-exported from the workspace package that defines
 * them (node-red-nodes/src/lib/store/store-types.ts, lib/api, lib/signing). Never copy them here.
 */
export type {
  AlertDetail,
  ApiError,
  ApiRole,
  AuditVerifyResult,
  Page,
  PublicKeyInfo,
  SeriesPoint,
  SeriesResult,
  StatsResult,
  StoredFeedback,
} from 'node-red-contrib-lucid';

import type { ApiRole } from 'node-red-contrib-lucid';

/**
 * `GET health` (built inline by the store's router, so it has no exported type). Without a token
 * only liveness: `{status: "ok", role: null}`. With a valid token also the storage engine, the
 * schema version, the alert count, the audit head, the signing key id and the token's role.
 */
export type HealthResponse =
  | { status: 'ok'; role: null; engine?: undefined; schemaVersion?: undefined; alerts?: undefined }
  | {
      status: 'ok';
      engine: string;
      schemaVersion: number;
      alerts: number;
      auditHead: number;
      keyId: string;
      role: ApiRole;
      timeMs: number;
    };
