import { ConfigError } from '../contracts/errors';
import { narrativeSubject, type Detection, type Narrative, type NarrativeUpdate } from '../contracts/types';
import {
  ChatCompletionError,
  requestChatCompletion,
  type ChatEndpoint,
  type ChatFailure,
  type ChatMessage,
} from './chat-completion';
import { narrativeEvidence, type NarrativeEvidence } from './narrative-evidence';
import { checkNarrative, type GroundingVocabulary } from './narrative-grounding';

/** What became of one narrative request (or of a detection that wanted one). */
export type NarrativeOutcome =
  'generated' | 'cached' | 'rejected' | 'rate_limited' | Exclude<ChatFailure, 'aborted'>;

/** Every {@link NarrativeOutcome}; all but `generated` and `cached` leave the template text. */
export const NARRATIVE_OUTCOMES: readonly NarrativeOutcome[] = [
  'generated',
  'cached',
  'rejected',
  'rate_limited',
  'timeout',
  'unreachable',
  'http_error',
  'garbage',
];

/** Defaults of {@link NarratorOptions}. */
export const DEFAULT_NARRATIVE_TIMEOUT_MS = 10_000;
export const DEFAULT_NARRATIVES_PER_MIN = 6;
export const DEFAULT_NARRATIVE_CACHE_TTL_MS = 30 * 60_000;
export const NARRATIVE_CACHE_MAX_ENTRIES = 1000;
export const NARRATIVE_MAX_CONCURRENT = 2;
/** A subject whose request failed is not asked again for this long, ms. */
export const NARRATIVE_RETRY_AFTER_MS = 60_000;

/** The instruction the model gets; the user message holds only the evidence lines. */
export const NARRATIVE_SYSTEM_PROMPT = [
  'You write for the operator of industrial IoT equipment.',
  'Write two or three plain sentences that explain the anomaly described by the evidence and what to check first.',
  'Use only the facts in the evidence: do not add any number, unit, device, metric or cause that is not in it.',
  'Write numbers exactly as the evidence does. No lists, no markdown, no greeting.',
].join(' ');

/** Options of {@link Narrator}. */
export interface NarratorOptions {
  endpoint: ChatEndpoint;
  /** Names whose mention the grounding check verifies; read at each check (the fleet may change). */
  vocabulary: () => GroundingVocabulary;
  /** Requests per minute at most, > 0 (a token bucket holding as many). Default 6. */
  ratePerMin?: number;
  /**
   * How long a narrative is reused for the same device and subject, ms (≥ 0; 0 = no cache), on
   * both clocks: wall time since it was written, and event time since the evidence it read (a
   * replay runs hours of event time in minutes). Default 30 min.
   */
  cacheTtlMs?: number;
  /** Wall clock, ms (cache expiry, rate limit, `createdMs`). */
  nowMs?: () => number;
  /** Called once per outcome (for `/metrics`). */
  onOutcome?: (outcome: NarrativeOutcome, detail?: string) => void;
}

interface CacheEntry {
  narrative?: Narrative;
  /** Until when (wall clock, ms) the entry holds: a narrative's lifetime, or a failure's back-off. */
  untilMs: number;
}

/**
 * Asks a language model for a two-or-three-sentence narrative of an explanation, and keeps only
 * narratives the grounding check ({@link checkNarrative}) accepts. It never holds a detection
 * back: {@link narrate} returns at once, with a cached narrative when one exists for the device
 * and the explanation's subject ({@link narrativeSubject}), and otherwise starts a request whose
 * accepted result is delivered later through a callback.
 *
 * - **Cache**: per tenant, device and subject, for `cacheTtlMs` of wall time and of event time
 *   after the evidence it read (at most {@link NARRATIVE_CACHE_MAX_ENTRIES}, oldest dropped
 *   first); never for a detection older than that evidence. Numbers change from reading to
 *   reading; the narrative keeps the event time (`tsMs`) of the evidence it was checked against.
 * - **Rate limit**: a token bucket of `ratePerMin` requests refilled over a minute, and at most
 *   {@link NARRATIVE_MAX_CONCURRENT} requests in flight; a detection that finds neither keeps its
 *   template text (`rate_limited`) and a later one of the same subject asks again.
 * - **Failures** (`timeout`, `unreachable`, `http_error`, `garbage`, `rejected`) leave the
 *   template text and keep the subject from being asked again for {@link NARRATIVE_RETRY_AFTER_MS}.
 *
 * Recovery explanations (an episode ending) are not narrated.
 */
export class Narrator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly ratePerMin: number;
  private readonly cacheTtlMs: number;
  private readonly nowMs: () => number;
  private readonly closer = new AbortController();
  private tokens: number;
  private tokensAtMs: number;

  /** @throws ConfigError naming the field when the URL, model, timeout, rate or TTL is invalid. */
  constructor(private readonly options: NarratorOptions) {
    const { url, model, timeoutMs } = options.endpoint;
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol))
      throw new ConfigError(`narrative URL: expected an http(s) URL, got ${JSON.stringify(url)}`);
    if (typeof model !== 'string' || model.trim() === '')
      throw new ConfigError(`narrative model: expected a model name, got ${JSON.stringify(model)}`);
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
      throw new ConfigError(
        `narrative timeout: expected a positive number of ms, got ${JSON.stringify(timeoutMs)}`,
      );
    this.ratePerMin = options.ratePerMin ?? DEFAULT_NARRATIVES_PER_MIN;
    if (!(Number.isFinite(this.ratePerMin) && this.ratePerMin > 0))
      throw new ConfigError(
        `narrative rate: expected a positive number per minute, got ${JSON.stringify(options.ratePerMin)}`,
      );
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_NARRATIVE_CACHE_TTL_MS;
    if (!(Number.isFinite(this.cacheTtlMs) && this.cacheTtlMs >= 0))
      throw new ConfigError(
        `narrative cache: expected a number of ms ≥ 0, got ${JSON.stringify(options.cacheTtlMs)}`,
      );
    this.nowMs = options.nowMs ?? Date.now;
    this.tokens = this.ratePerMin;
    this.tokensAtMs = this.nowMs();
  }

  /**
   * The narrative for an explained detection, if one is cached; otherwise starts a request (when
   * the rate limit allows and none is running for the same subject) and returns undefined. An
   * accepted narrative is passed to `onReady` later, never synchronously.
   *
   * @param d - a detection; one without an explanation, or with a `recovery` one, is ignored.
   * @param onReady - receives the `NarrativeUpdate` to send to `lucid-route`.
   */
  narrate(d: Detection, onReady: (update: NarrativeUpdate) => void): Narrative | undefined {
    const x = d.explanation;
    if (!x || x.phase === 'recovery' || this.closer.signal.aborted) return undefined;
    const subject = narrativeSubject(x);
    const key = `${d.reading.tenant ?? ''}\u0000${d.reading.deviceId}\u0000${subject}`;
    const now = this.nowMs();
    const hit = this.cache.get(key);
    const ageMs = hit?.narrative ? d.reading.tsMs - hit.narrative.tsMs : 0;
    if (hit && hit.untilMs > now && ageMs >= 0 && ageMs <= this.cacheTtlMs) {
      if (hit.narrative) this.options.onOutcome?.('cached');
      return hit.narrative;
    }
    if (hit) this.cache.delete(key);
    if (this.inFlight.has(key)) return undefined;
    const evidence = narrativeEvidence(d);
    if (!evidence) return undefined;
    if (!this.takeToken(now)) {
      this.options.onOutcome?.('rate_limited');
      return undefined;
    }
    this.inFlight.add(key);
    const job = this.ask(evidence, subject, d.reading.tsMs)
      .then((narrative) => {
        this.remember(key, { narrative, untilMs: this.nowMs() + this.cacheTtlMs });
        this.options.onOutcome?.('generated');
        const update: NarrativeUpdate = { deviceId: d.reading.deviceId, narrative };
        if (d.reading.tenant !== undefined) update.tenant = d.reading.tenant;
        onReady(update);
      })
      .catch((err: unknown) => {
        const reason = err instanceof NarrativeRejected ? 'rejected' : (err as ChatCompletionError).reason;
        if (reason === 'aborted') return;
        this.remember(key, { untilMs: this.nowMs() + NARRATIVE_RETRY_AFTER_MS });
        this.options.onOutcome?.(reason ?? 'garbage', (err as Error).message);
      })
      .finally(() => {
        this.inFlight.delete(key);
        this.pending.delete(job);
      });
    this.pending.add(job);
    return undefined;
  }

  /** Resolves when no request is in flight (tests, orderly shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Aborts the requests in flight (their results are dropped, not counted) and narrates no more. */
  close(): void {
    this.closer.abort();
  }

  private async ask(evidence: NarrativeEvidence, subject: string, tsMs: number): Promise<Narrative> {
    const messages: ChatMessage[] = [
      { role: 'system', content: NARRATIVE_SYSTEM_PROMPT },
      { role: 'user', content: `Evidence:\n${evidence.lines.join('\n')}` },
    ];
    const answer = await requestChatCompletion(this.options.endpoint, messages, this.closer.signal);
    const text = answer.text.replace(/\s+/g, ' ').trim();
    const verdict = checkNarrative(text, evidence, this.options.vocabulary());
    if (!verdict.ok) throw new NarrativeRejected(`${verdict.rule}: ${verdict.detail}`);
    return { text, generated: true, model: answer.model, subject, tsMs, createdMs: this.nowMs() };
  }

  private takeToken(now: number): boolean {
    if (this.inFlight.size >= NARRATIVE_MAX_CONCURRENT) return false;
    const elapsed = Math.max(0, now - this.tokensAtMs);
    this.tokens = Math.min(this.ratePerMin, this.tokens + (elapsed * this.ratePerMin) / 60_000);
    this.tokensAtMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private remember(key: string, entry: CacheEntry): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    while (this.cache.size > NARRATIVE_CACHE_MAX_ENTRIES) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}

/** A narrative the grounding check refused. */
class NarrativeRejected extends Error {
  override readonly name = 'NarrativeRejected';
}
