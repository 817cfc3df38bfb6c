/**
 * A minimal client for the OpenAI-compatible chat-completions API (`POST {base}/chat/completions`)
 * that Ollama, the llama.cpp server and vLLM all serve. Uses Node's built-in `fetch`.
 * @see https://github.com/ollama/ollama/blob/main/docs/openai.md
 */

/** Where and how to ask. */
export interface ChatEndpoint {
  /**
   * The API base, e.g. `http://127.0.0.1:11434/v1` (Ollama), `http://127.0.0.1:8080/v1`
   * (llama.cpp server), `http://127.0.0.1:8000/v1` (vLLM); a URL that already ends in
   * `/chat/completions` is used as it is.
   */
  url: string;
  /** Model name the endpoint serves, e.g. `llama3.2:3b`. */
  model: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Longest wait for the whole answer, ms (> 0). */
  timeoutMs: number;
  /** Most tokens the model may write (default 200). */
  maxTokens?: number;
}

/** One chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Why a request gave no text. */
export type ChatFailure = 'timeout' | 'unreachable' | 'http_error' | 'garbage' | 'aborted';

/** A failed chat completion, with the reason. */
export class ChatCompletionError extends Error {
  override readonly name = 'ChatCompletionError';
  constructor(
    readonly reason: ChatFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Largest answer body read, characters: a chat completion of 200 tokens is far smaller. */
const MAX_BODY_CHARS = 256 * 1024;

/** The chat-completions URL of an endpoint (see {@link ChatEndpoint.url}). */
export function chatCompletionsUrl(url: string): string {
  const base = url.trim().replace(/\/+$/, '');
  return base.endsWith('/chat/completions') ? base : `${base}/chat/completions`;
}

/**
 * Asks the endpoint for one completion (temperature 0, no streaming).
 *
 * @param endpoint - URL, model, key and timeout.
 * @param messages - the conversation.
 * @param signal - aborts the request (e.g. when the node closes): reason `aborted`.
 * @returns the first choice's text (trimmed, non-empty) and the model name the answer reports
 *   (else the configured one).
 * @throws ChatCompletionError `timeout` after `timeoutMs`, `unreachable` when no connection was
 *   made, `http_error` on a non-2xx status, `garbage` when the body is not a chat completion with
 *   text, `aborted` when `signal` fired.
 */
export async function requestChatCompletion(
  endpoint: ChatEndpoint,
  messages: readonly ChatMessage[],
  signal?: AbortSignal,
): Promise<{ text: string; model: string }> {
  const timeout = AbortSignal.timeout(endpoint.timeoutMs);
  const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
  const failure = (err: unknown): ChatCompletionError => {
    if (signal?.aborted) return new ChatCompletionError('aborted', 'request aborted');
    if (timeout.aborted)
      return new ChatCompletionError('timeout', `no answer within ${endpoint.timeoutMs} ms`);
    return new ChatCompletionError('unreachable', (err as Error).message);
  };
  let body: string;
  let status: number;
  try {
    const res = await fetch(chatCompletionsUrl(endpoint.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: endpoint.model,
        messages,
        temperature: 0,
        max_tokens: endpoint.maxTokens ?? 200,
        stream: false,
      }),
      signal: combined,
    });
    status = res.status;
    body = await res.text();
  } catch (err) {
    throw failure(err);
  }
  if (status < 200 || status > 299)
    throw new ChatCompletionError('http_error', `HTTP ${status}: ${body.slice(0, 200)}`);
  if (body.length > MAX_BODY_CHARS)
    throw new ChatCompletionError('garbage', `answer of ${body.length} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ChatCompletionError('garbage', `answer is not JSON: ${body.slice(0, 80)}`);
  }
  const p = parsed as { model?: unknown; choices?: { message?: { content?: unknown } }[] };
  const content = Array.isArray(p?.choices) ? p.choices[0]?.message?.content : undefined;
  if (typeof content !== 'string' || content.trim() === '')
    throw new ChatCompletionError('garbage', 'answer has no choices[0].message.content text');
  const model = typeof p.model === 'string' && p.model.trim() !== '' ? p.model : endpoint.model;
  return { text: content.trim(), model };
}
