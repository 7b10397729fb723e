import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Api } from './app.ts';

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Graceful stop: no new connections, in-flight requests finish, idle keep-alive connections close. */
  close(): Promise<void>;
}

/** Listens on host:port (port 0: any free port) until close(). */
export async function startServer(api: Api, options: { port: number; host: string }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: api.app.fetch, port: options.port, hostname: options.host }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        host: options.host,
        close: async () => {
          const closed = new Promise<void>((r) => (server as Server).close(() => r()));
          (server as Server).closeIdleConnections?.();
          await api.drained();
          // Connections kept alive by a finished request close now that nothing is in flight.
          (server as Server).closeIdleConnections?.();
          await closed;
          // Then the pooled sessions, so the caller can close the store.
          await api.close();
        },
      });
    }) as Server;
    server.once('error', reject);
    // A slow client cannot hold a connection open for ever.
    server.headersTimeout = 20_000;
    server.requestTimeout = 300_000;
  });
}
