/**
 * Playbook shapes: versioned JSON that holds the recommended actions (per anomaly type, cause
 * family or cause rule), data-driven cause rules for a device type, and the wording of insights
 * about correlated devices. Shipped playbooks live in `node-red-nodes/playbooks/*.json`.
 */
import type { AnomalyType, CauseFamily } from '../contracts/types';

/** How a metric is expected to move under a cause. `change`: either way; `steady`: not at all. */
export type MetricExpectation = 'up' | 'down' | 'steady' | 'change';

/** One term of a cause signature: how one metric (or the best/mean of a group) should move. */
export interface CauseSignatureTerm {
  /** Metric names this term reads, matched exactly first, then case-insensitively. */
  metrics: string[];
  expect: MetricExpectation;
  /** Relative weight of the term, > 0 (default 1). */
  weight?: number;
  /** How a group of metrics is combined: best match (`max`, default: "one or both"), `mean`, or worst match (`min`: "all of them", e.g. all steady). */
  combine?: 'max' | 'mean' | 'min';
}

/**
 * A cause rule: a probable cause written as the movement pattern it leaves on the device's
 * metrics. The engine scores the pattern against the evidence (direction and strength of each
 * metric's deviation); see `rankCauses`.
 */
export interface CauseRule {
  /** Stable id, e.g. `pump.outlet_valve_closure`; reported as `Explanation.causes[].id`. */
  id: string;
  /** What the operator reads, e.g. `Outlet (discharge) valve closed or blocked`. */
  label: string;
  family: CauseFamily;
  /**
   * Prior weight of the cause, 0..1 (default 1): its prior odds against the other causes of the
   * playbook before any evidence (see `rankCauses`), from how often the fault occurs on this
   * kind of equipment.
   */
  weight?: number;
  signature: CauseSignatureTerm[];
  /** Anomaly types (of the device's own evidence) this cause can produce; any when unset. */
  types?: AnomalyType[];
  /** The engineering reason, appended to the evidence sentences. */
  because?: string;
}

/** A recommended action and why it helps. */
export interface PlaybookAction {
  action: string;
  why: string;
  /**
   * What the action achieves, as a short key (`check-power-supply`, `inspect-seals`): two actions
   * with the same intent are one recommendation, so only the first (most specific) is shown.
   */
  intent?: string;
}

/**
 * Prior weights (0..1) of the generic causes, on the same scale as the cause rules' `weight`:
 * a sensor fault, a connectivity or power problem, a shared environmental cause, and a change
 * no listed cause explains (the null hypothesis).
 */
export interface GenericPriors {
  sensor_fault?: number;
  connectivity_power?: number;
  environment?: number;
  unexplained?: number;
}

/** Wording for correlated anomalies on neighbouring devices ("possible localized overheating"). */
export interface PlaybookInsight {
  /** Matches the metric's fleet unit exactly, when set. */
  unit?: string;
  /** Matches the metric name (exact or case-insensitive), when set. */
  metrics?: string[];
  /** Matches the direction of the movement, when set. */
  direction?: 'up' | 'down';
  text: string;
}

/**
 * What a playbook says about one metric of its device type: the unit and label to use when the
 * fleet declares none, and the plausible range of a working sensor on this equipment.
 */
export interface PlaybookMetric {
  /** Unit symbol (`°C`, `bar`, `A`, `%`); `''` for a dimensionless count or ratio. */
  unit: string;
  /** Human label, e.g. `Supply air temperature`. */
  label?: string;
  /**
   * Plausible range, in `unit`: a reading outside it is physically implausible for this
   * equipment (a failed or disconnected sensor), not a process fault. Used as the metric's
   * physical range when the fleet declares none. `min` < `max` when both are set.
   */
  min?: number;
  max?: number;
}

/** A versioned playbook. */
export interface Playbook {
  id: string;
  /** Semantic version, e.g. `1.0.0`. */
  version: string;
  description?: string;
  /** The engineering sources the cause rules were written from (our own summary of each). */
  references?: string[];
  /** Metrics of the device type by name: unit, label and plausible range (see {@link PlaybookMetric}). */
  metrics?: Record<string, PlaybookMetric>;
  /** Device types this shipped playbook applies to by default. */
  deviceTypes?: string[];
  /** Id of a shipped playbook whose content this one extends (overrides only). */
  extends?: string;
  actions: {
    byCause?: Record<string, PlaybookAction[]>;
    byFamily?: Partial<Record<CauseFamily, PlaybookAction[]>>;
    byType?: Partial<Record<AnomalyType, PlaybookAction[]>>;
  };
  causes?: CauseRule[];
  insights?: PlaybookInsight[];
  /** Prior weights of the generic causes (defaults in `rankCauses`). */
  priors?: GenericPriors;
  /**
   * Groups of metrics that measure the same quantity (redundant sensors, e.g.
   * `["temperature", "temperature2"]`): one moving while its partner holds steady is positive
   * evidence of a faulty sensor.
   */
  redundant?: string[][];
  /**
   * Metrics to explain first when several tie on contribution (earlier first; unlisted after),
   * e.g. temperature before the relative humidity it pushes down.
   */
  primaryOrder?: string[];
}

const ANOMALY_TYPES: AnomalyType[] = [
  'spike',
  'drop',
  'level_shift',
  'drift',
  'stuck_sensor',
  'out_of_range',
  'connectivity_loss',
  'correlated_event',
];
const CAUSE_FAMILIES: CauseFamily[] = [
  'sensor_fault',
  'process_anomaly',
  'environment',
  'connectivity_power',
];

const actionList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['action', 'why'],
    additionalProperties: false,
    properties: {
      action: { type: 'string', minLength: 1 },
      why: { type: 'string', minLength: 1 },
      intent: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
    },
  },
};

/** JSON Schema (draft-07, for ajv) of a playbook. */
export const PLAYBOOK_SCHEMA = {
  type: 'object',
  required: ['id', 'version', 'actions'],
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
    version: {
      type: 'string',
      pattern: '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$',
    },
    description: { type: 'string' },
    references: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    metrics: {
      type: 'object',
      propertyNames: { minLength: 1 },
      additionalProperties: {
        type: 'object',
        required: ['unit'],
        additionalProperties: false,
        properties: {
          unit: { type: 'string' },
          label: { type: 'string', minLength: 1 },
          min: { type: 'number' },
          max: { type: 'number' },
        },
      },
    },
    deviceTypes: { type: 'array', items: { type: 'string', minLength: 1 } },
    extends: { type: 'string', minLength: 1 },
    actions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        byCause: { type: 'object', additionalProperties: actionList },
        byFamily: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(CAUSE_FAMILIES.map((f) => [f, actionList])),
        },
        byType: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(ANOMALY_TYPES.map((t) => [t, actionList])),
        },
      },
    },
    causes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'label', 'family', 'signature'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', minLength: 1 },
          label: { type: 'string', minLength: 1 },
          family: { enum: CAUSE_FAMILIES },
          weight: { type: 'number', minimum: 0, maximum: 1 },
          because: { type: 'string' },
          types: { type: 'array', items: { enum: ANOMALY_TYPES } },
          signature: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['metrics', 'expect'],
              additionalProperties: false,
              properties: {
                metrics: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
                expect: { enum: ['up', 'down', 'steady', 'change'] },
                weight: { type: 'number', exclusiveMinimum: 0 },
                combine: { enum: ['max', 'mean', 'min'] },
              },
            },
          },
        },
      },
    },
    primaryOrder: { type: 'array', items: { type: 'string', minLength: 1 } },
    priors: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        ['sensor_fault', 'connectivity_power', 'environment', 'unexplained'].map((k) => [
          k,
          { type: 'number', minimum: 0, maximum: 1 },
        ]),
      ),
    },
    redundant: {
      type: 'array',
      items: { type: 'array', minItems: 2, items: { type: 'string', minLength: 1 } },
    },
    insights: {
      type: 'array',
      items: {
        type: 'object',
        required: ['text'],
        additionalProperties: false,
        properties: {
          unit: { type: 'string' },
          metrics: { type: 'array', items: { type: 'string' } },
          direction: { enum: ['up', 'down'] },
          text: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const;
