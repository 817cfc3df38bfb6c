import { SEVERITIES, type Severity } from '../contracts/types';

/**
 * Rank of a severity: `critical` 4, `high` 3, `medium` 2, `low` 1, `info` 0, so that
 * `severityRank(a) >= severityRank(b)` reads "a is at least as severe as b".
 */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(severity);
}
