// Runs INSIDE a real server's namespace in the UML guest. Answers every request with the server's
// name so a client sees which real server it reached; `GET /hold?seconds=N` sends the headers and
// the name at once, then keeps the connection open N seconds (ActiveConn becomes observable).
import { createServer } from 'node:http';

function argValue(flag: string): string | undefined {
  const index = process.argv.indexOf(flag);
  return index === -1 ? undefined : process.argv[index + 1];
}

const name = argValue('--name') ?? 'unknown';
const port = Number(argValue('--port') ?? '80');
const MAX_HOLD_SECONDS = 3600;
const held = new Set<NodeJS.Timeout>();

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://lab');
  // Each request is its own connection: IPVS schedules connections, and tests count them.
  response.setHeader('Connection', 'close');
  response.setHeader('Content-Type', 'text/plain');
  response.setHeader('X-Served-By', name);
  if (url.pathname === '/hold') {
    const seconds = Math.min(Math.max(Number(url.searchParams.get('seconds') ?? '30') || 0, 0), MAX_HOLD_SECONDS);
    response.writeHead(200);
    response.write(`${name} holding ${seconds}s\n`);
    const timer = setTimeout(() => {
      held.delete(timer);
      response.end(`${name}\n`);
    }, seconds * 1000);
    held.add(timer);
    response.on('close', () => {
      clearTimeout(timer);
      held.delete(timer);
    });
    return;
  }
  response.writeHead(200);
  response.end(`${name}\n`);
});
server.keepAliveTimeout = 0;
server.on('clientError', (_error, socket) => socket.destroy());
server.listen(port, '0.0.0.0', () => {
  process.stdout.write(`real-server-http ${name} listening on :${port}\n`);
});
process.on('SIGTERM', () => {
  for (const timer of held) clearTimeout(timer);
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
