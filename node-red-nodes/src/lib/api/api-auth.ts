import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../contracts/errors';

/**
 * API roles. `viewer` < `operator` < `admin`, each including the rights of the ones before it;
 * `device` stands apart: it may only score readings (`POST score`, `POST score/batch`), which
 * operators and admins may do too.
 */
export type ApiRole = 'viewer' | 'operator' | 'admin' | 'device';

export const API_ROLES: readonly ApiRole[] = ['viewer', 'operator', 'admin', 'device'];

/** The ordered roles (see {@link ApiRole}). */
const RANKED: readonly ApiRole[] = ['viewer', 'operator', 'admin'];

/** A bearer token: its secret, the name recorded in the audit log, and its role. */
export interface ApiToken {
  name: string;
  role: ApiRole;
  token: string;
}

/** Who made a request, once authenticated. */
export interface ApiPrincipal {
  name: string;
  role: ApiRole;
}

/** Tokens shorter than this are refused: a bearer token must not be guessable. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Parses token lines `name role token` (whitespace-separated; `#` comments and blank lines
 * ignored), the format of the config node's "extra tokens" credential.
 * @throws ConfigError naming the line when a role is unknown, a token is too short, or a name repeats.
 * @example
 * parseTokenLines('grafana viewer 3f9c…\nops operator 81aa…')
 */
export function parseTokenLines(text: string): ApiToken[] {
  const out: ApiToken[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [name, role, token, ...rest] = line.split(/\s+/);
    if (!token || rest.length) throw new ConfigError(`tokens line ${i + 1}: expected "name role token"`);
    out.push(checkToken({ name, role: role as ApiRole, token }, `tokens line ${i + 1}`));
  });
  return out;
}

function checkToken(t: ApiToken, where: string): ApiToken {
  if (!API_ROLES.includes(t.role))
    throw new ConfigError(`${where}: role must be one of ${API_ROLES.join(', ')}, got "${t.role}"`);
  if (t.token.length < MIN_TOKEN_LENGTH)
    throw new ConfigError(`${where}: token "${t.name}" must have at least ${MIN_TOKEN_LENGTH} characters`);
  return t;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Checks bearer tokens in constant time (SHA-256 digests compared with `timingSafeEqual`, so
 * neither the content nor the length of a token leaks through timing).
 */
export class ApiAuth {
  private readonly entries: { digest: Buffer; principal: ApiPrincipal }[];

  /** @throws ConfigError for an unknown role, a short token or a duplicate name. */
  constructor(tokens: readonly ApiToken[]) {
    const names = new Set<string>();
    this.entries = tokens.map((t) => {
      checkToken(t, `token "${t.name}"`);
      if (names.has(t.name)) throw new ConfigError(`token name "${t.name}" is used twice`);
      names.add(t.name);
      return { digest: digest(t.token), principal: { name: t.name, role: t.role } };
    });
  }

  /** Number of configured tokens. */
  get size(): number {
    return this.entries.length;
  }

  /** The principal of a raw token, or undefined. */
  principalOf(token: string | undefined): ApiPrincipal | undefined {
    if (!token) return undefined;
    const d = digest(token);
    let found: ApiPrincipal | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, d)) found = e.principal;
    return found;
  }

  /**
   * True when `role` has at least the rights of `needed`: the ranked roles by rank; `device` is
   * allowed only where `device` is needed, where operators and admins are allowed too.
   */
  static allows(role: ApiRole, needed: ApiRole): boolean {
    if (needed === 'device') return role === 'device' || RANKED.indexOf(role) >= RANKED.indexOf('operator');
    if (role === 'device') return false;
    return RANKED.indexOf(role) >= RANKED.indexOf(needed);
  }
}
