import type { NextFunction, Request, Response } from 'express';

/**
 * Express middleware that keeps `Access-Control-*` headers out of a response, whoever sets them.
 *
 * Node-RED's admin app always answers cross-origin requests with `Access-Control-Allow-Origin: *`
 * (a `cors` handler with origin `*` is installed before `httpAdminCors` is read, so that setting
 * cannot turn it off). Mounted in front of `RED.httpAdmin`, this removes those headers just
 * before the status line is written, so a web page of another origin can neither pass a
 * preflight for `POST /flows` nor read an admin response.
 */
export function dropCorsHeaders(_req: Request, res: Response, next: NextFunction): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    for (const name of this.getHeaderNames()) {
      if (name.startsWith('access-control-')) this.removeHeader(name);
    }
    return writeHead.apply(this, args);
  } as Response['writeHead'];
  next();
}

/**
 * The request paths Node-RED's admin app (mounted at `/`) should see: all but `apiPath` and
 * what lies below it. The store API is served by Node-RED's HTTP node app, and a request for it
 * must not pass through the admin app first, which would add its CORS headers and parse the
 * body (up to 5 MB) before the API checks the token and its own 16 kB limit.
 * @param apiPath - e.g. `/lucid/api`.
 */
export function pathsOutside(apiPath: string): RegExp {
  const escaped = apiPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^(?!${escaped}(?:/|$))`);
}
