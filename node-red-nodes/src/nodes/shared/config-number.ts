import { ConfigError } from '../../lib/contracts/errors';

/**
 * A numeric node property as the editor stores it (number or string): the number, or `fallback`
 * when the field is empty.
 * @throws ConfigError naming the property when the value is not a finite number.
 */
export function configNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError(`${name}: expected a number, got "${String(value)}"`);
  return n;
}
