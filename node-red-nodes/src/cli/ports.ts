import * as net from 'node:net';
import { ConfigError } from '../lib/contracts/errors';

/**
 * Checks that a TCP port can be bound on a host, so a clash gives a clear message instead of a
 * stack trace from deep inside a server.
 * @throws ConfigError naming the port, what it is for and how to choose another.
 */
export async function assertPortFree(port: number, host: string, what: string, hint: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new ConfigError(`port ${port} on ${host} (${what}) is already in use; ${hint}`));
      } else if (err.code === 'EACCES') {
        reject(new ConfigError(`port ${port} on ${host} (${what}) needs privileges; ${hint}`));
      } else {
        reject(err);
      }
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** A free TCP port on 127.0.0.1 chosen by the operating system (for tests and `--port 0`). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
