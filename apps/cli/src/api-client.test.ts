import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, ConnectionError, FulcrumApi } from './api-client';

// A real HTTP server speaking the few bits of tRPC's wire format the client relies on; it records
// what arrives so the tests see the requests exactly as Fulcrum's server would.
type Seen = { method: string; url: string; origin: string | undefined; cookie: string | undefined; body: string };

describe('FulcrumApi', () => {
  let server: Server;
  let base = '';
  const seen: Seen[] = [];

  const readBody = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
  });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readBody(req);
      seen.push({ method: req.method!, url: req.url!, origin: req.headers.origin, cookie: req.headers.cookie, body });
      const procedure = new URL(req.url!, 'http://x').pathname.replace('/api/trpc/', '');
      const json = (status: number, value: unknown, headers: Record<string, string | string[]> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (procedure === 'auth.login') return json(200, { result: { data: { json: { username: 'admin' } } } }, { 'set-cookie': ['fulcrum_session=tok123; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000'] });
      if (procedure === 'auth.logout') return json(200, { result: { data: { json: { ok: true } } } }, { 'set-cookie': ['fulcrum_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0'] });
      if (procedure === 'echo') return json(200, { result: { data: { json: { input: new URL(req.url!, 'http://x').searchParams.get('input') } } } });
      if (procedure === 'agentInstall.start') {
        return json(400, { error: { json: { message: 'Binary path must be absolute and plain', code: -32600, data: { code: 'BAD_REQUEST', httpStatus: 400, appCode: 'VALIDATION', fieldErrors: { nodePath: ['Binary path must be absolute and plain'] } } } } });
      }
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps the session cookie in memory, sends Origin on mutations only, and drops the cookie on logout', async () => {
    seen.length = 0;
    const api = new FulcrumApi(base);
    await api.mutate('auth.login', { username: 'admin', password: 'pw' });
    expect(await api.query('echo', { id: 'x' })).toEqual({ input: JSON.stringify({ json: { id: 'x' } }) });
    await api.mutate('auth.logout');
    await api.query('echo');
    expect(seen.map((s) => [s.method, s.url.split('?')[0], s.origin, s.cookie])).toEqual([
      ['POST', '/api/trpc/auth.login', base, undefined],
      ['GET', '/api/trpc/echo', undefined, 'fulcrum_session=tok123'],
      ['POST', '/api/trpc/auth.logout', base, 'fulcrum_session=tok123'],
      ['GET', '/api/trpc/echo', undefined, undefined],
    ]);
    expect(JSON.parse(seen[0]!.body)).toEqual({ json: { username: 'admin', password: 'pw' } });
  });

  it('turns a tRPC error into an ApiError with its codes and field errors', async () => {
    const error = await new FulcrumApi(base).mutate('agentInstall.start', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'BAD_REQUEST', appCode: 'VALIDATION', fieldErrors: { nodePath: ['Binary path must be absolute and plain'] }, message: 'Binary path must be absolute and plain' });
  });

  it('says when the address answers but is not Fulcrum, and when nothing answers', async () => {
    const notFulcrum = await new FulcrumApi(base).query('anything').catch((e: unknown) => e);
    expect(notFulcrum).toMatchObject({ code: 'NOT_FULCRUM', status: 502 });
    expect((notFulcrum as Error).message).toMatch(/answered HTTP 502 with something that is not Fulcrum's API/);
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const down = await new FulcrumApi(`http://127.0.0.1:${closed}`).query('auth.me').catch((e: unknown) => e);
    expect(down).toBeInstanceOf(ConnectionError);
    expect((down as Error).message).toMatch(/Cannot reach Fulcrum at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('leaves no abort listener on the run\'s signal after its requests (the CLI polls hundreds of times)', async () => {
    const controller = new AbortController();
    const api = new FulcrumApi(base, controller.signal);
    for (let i = 0; i < 25; i++) await api.query('echo', { i });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('reports an interruption as such', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await new FulcrumApi(base, controller.signal).query('echo').catch((e: unknown) => e);
    expect(error).toMatchObject({ interrupted: true, message: 'Interrupted' });
  });
});
