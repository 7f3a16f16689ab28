// One process, one port: Next serves the UI and tRPC; the same HTTP server takes the agents'
// WebSocket upgrades (at /ws/agent, added with the agent gateway). Started by scripts/start.ts.
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';

/** Handles a WebSocket upgrade for one path prefix outside Next's routes. */
export type UpgradeRoute = { path: string; handle: (req: import('node:http').IncomingMessage, socket: Duplex, head: Buffer) => void };

/** Options for {@link startWebServer}. */
export type WebServerOptions = { port: number; host: string; dev: boolean; upgradeRoutes?: UpgradeRoute[] };

/** A running web server. */
export type RunningWebServer = { url: string; server: Server; close(): Promise<void> };

const webDir = path.dirname(fileURLToPath(import.meta.url));

/** Starts Next (production build, or dev with HMR) on one HTTP server and routes WebSocket upgrades by path. */
export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const server = createServer();
  const app = next({ dev: options.dev, dir: webDir, hostname: options.host, port: options.port, httpServer: server });
  await app.prepare();
  const handle = app.getRequestHandler();
  const nextUpgrade = app.getUpgradeHandler();
  server.on('request', (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[web] request failed:', error);
      if (!res.headersSent) res.statusCode = 500;
      res.end('Internal server error');
    });
  });
  // One upgrade listener for everything: Next would close sockets on paths it does not know.
  server.on('upgrade', (req, socket, head) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = options.upgradeRoutes?.find((r) => pathname === r.path || pathname.startsWith(`${r.path}/`));
    if (route) route.handle(req, socket, head);
    else if (options.dev && pathname.startsWith('/_next/')) void nextUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  return {
    url: `http://${shownHost}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        void app.close?.();
      }),
  };
}
