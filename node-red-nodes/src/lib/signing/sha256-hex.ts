import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 (FIPS 180-4) of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
