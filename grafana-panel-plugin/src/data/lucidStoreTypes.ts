/**
 * Store API response types the panel reads, re-exported from the workspace package that defines
 * them (node-red-nodes/src/lib/store, lib/signing). Never copy them here.
 */
export type { AlertDetail, SeriesPoint, StoredFeedback } from 'node-red-contrib-lucid/dist/lib/store/store-types';
export type { PublicKeyInfo } from 'node-red-contrib-lucid/dist/lib/signing/signing-keys';
export type { Adaptation, Alert, DetectionEvidence, MetricEvidence } from 'node-red-contrib-lucid';
