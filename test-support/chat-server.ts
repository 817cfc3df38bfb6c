/**
 * A local OpenAI-compatible chat-completions server for tests: answers `POST /v1/chat/completions`
 * with whatever the test queues (a canned completion, a delay, garbage, an HTTP error), and
 * records every request it received.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the server answers one request. */
export type CannedAnswer =
  | { kind: 'completion'; text: string; model?: string; delayMs?: number }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'raw'; body: string };

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: { model?: string; messages?: { role: string; content: string }[]; [k: string]: unknown };
}

export interface ChatServer {
  /** Base URL to configure, e.g. `http://127.0.0.1:40123/v1`. */
  url: string;
  requests: ReceivedRequest[];
  /** Answers for the next requests, in order; when none is queued, `fallback` answers (or makes the answer from the request). */
  queue(...answers: CannedAnswer[]): void;
  fallback: CannedAnswer | ((req: ReceivedRequest) => CannedAnswer);
  close(): Promise<void>;
}

/** An OpenAI-style chat completion body. */
export function completionBody(text: string, model = 'canned-model'): string {
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  });
}

/** Starts the server on an ephemeral port of 127.0.0.1. */
export async function startChatServer(): Promise<ChatServer> {
  const pending: CannedAnswer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state: ChatServer = {
    url: '',
    requests: [],
    queue: (...answers) => pending.push(...answers),
    fallback: { kind: 'status', status: 500, body: 'no answer queued' },
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      let body: ReceivedRequest['body'] = {};
      try {
        body = JSON.parse(raw) as ReceivedRequest['body'];
      } catch {
        body = {};
      }
      const received: ReceivedRequest = { path: req.url ?? '', headers: req.headers, body };
      state.requests.push(received);
      const fallback = state.fallback;
      const answer = pending.shift() ?? (typeof fallback === 'function' ? fallback(received) : fallback);
      if (answer.kind === 'status') {
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
      } else if (answer.kind === 'raw') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(answer.body);
      } else {
        const send = () => {
          if (!res.destroyed)
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(completionBody(answer.text, answer.model));
        };
        if (answer.delayMs) {
          const t = setTimeout(() => {
            timers.delete(t);
            send();
          }, answer.delayMs);
          timers.add(t);
        } else send();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
