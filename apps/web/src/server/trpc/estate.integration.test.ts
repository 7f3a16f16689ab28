// The operator's estate through the real tRPC router, on a real Postgres: create/edit/delete,
// uniqueness, stale edits, audit atomicity, roles and authentication.
import { beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { useFreshDatabase } from '@fulcrum/db/testing/fresh-database';
import { commitChange } from '@fulcrum/core/audit/commit-change';
import { appRouter } from './router';
import { callerFor, createTestUser, httpCall } from './testing';

const database = useFreshDatabase();

type Caller = Awaited<ReturnType<typeof callerFor>>['caller'];
let admin: Caller;
let operator: Caller;
let viewer: Caller;
let tokens: { admin: string; operator: string; viewer: string };

async function expectTrpcError(promise: Promise<unknown>, code: TRPCError['code'], messagePart?: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected the call to fail').toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  if (messagePart) expect((error as TRPCError).message).toMatch(messagePart);
  return error as TRPCError;
}

async function counts() {
  const db = database.prisma;
  const [clusters, nodes, pairs, services, realServers, audit] = await Promise.all([
    db.cluster.count(),
    db.node.count(),
    db.haPair.count(),
    db.virtualService.count(),
    db.realServer.count(),
    db.auditEvent.count(),
  ]);
  return { clusters, nodes, pairs, services, realServers, audit };
}

beforeAll(async () => {
  const db = database.prisma;
  const a = await createTestUser(db, 'alice', 'ADMIN');
  const o = await createTestUser(db, 'oscar', 'OPERATOR');
  const v = await createTestUser(db, 'victor', 'VIEWER');
  tokens = { admin: a.token, operator: o.token, viewer: v.token };
  admin = (await callerFor(db, a.token)).caller;
  operator = (await callerFor(db, o.token)).caller;
  viewer = (await callerFor(db, v.token)).caller;
});

/** The seed's walkthrough: an HA pair, VIP 192.168.241.11:80 wrr persistence 20, two DR real servers. */
async function buildSeedSetup(name: string) {
  const cluster = await admin.cluster.create({ name, description: 'walkthrough' });
  const a = await admin.node.create({ clusterId: cluster.id, name: 'director-a', role: 'DIRECTOR', managementAddress: '198.18.0.11' });
  const b = await admin.node.create({ clusterId: cluster.id, name: 'director-b', role: 'DIRECTOR', managementAddress: '198.18.0.12' });
  const pair = await admin.haPair.create({
    clusterId: cluster.id,
    name: 'pair-1',
    interface: 'eth0',
    virtualRouterId: 51,
    primaryNodeId: a.id,
    secondaryNodeId: b.id,
    primaryPriority: 150,
    secondaryPriority: 100,
    authSecret: 's3cret',
    vips: ['192.168.241.11'],
  });
  const service = await operator.service.create({ clusterId: cluster.id, haPairId: pair.id, protocol: 'TCP', address: '192.168.241.11', port: 80, scheduler: 'wrr', persistenceTimeout: 20 });
  const rs1 = await operator.realServer.create({ virtualServiceId: service.id, address: '192.168.241.15', port: 80, forwarding: 'DR', weight: 1 });
  const rs2 = await operator.realServer.create({ virtualServiceId: service.id, address: '192.168.241.16', port: 80, forwarding: 'DR', weight: 1 });
  return { cluster, a, b, pair, service, rs1, rs2 };
}

describe('the seed walkthrough', () => {
  it('creates every object, shows it back without secrets, audits each change and bumps the generation', async () => {
    const before = await counts();
    const setup = await buildSeedSetup('walkthrough');
    const detail = await viewer.cluster.get({ clusterId: setup.cluster.id });
    expect(detail.haPairs).toHaveLength(1);
    expect(detail.haPairs[0]).toMatchObject({ name: 'pair-1', virtualRouterId: 51, vips: ['192.168.241.11'], hasAuthSecret: true });
    expect(JSON.stringify(detail)).not.toContain('s3cret');
    expect(JSON.stringify(detail)).not.toContain('tokenHash');
    expect(detail.services[0]).toMatchObject({ serviceKey: 'TCP 192.168.241.11:80', scheduler: 'wrr', persistenceTimeout: 20 });
    expect(detail.services[0]?.realServers.map((r) => [r.address, r.port, r.forwarding, r.weight, r.adminState, r.health])).toEqual([
      ['192.168.241.15', 80, 'DR', 1, 'READY', 'UNKNOWN'],
      ['192.168.241.16', 80, 'DR', 1, 'READY', 'UNKNOWN'],
    ]);
    const after = await counts();
    expect(after.audit - before.audit).toBe(7);
    // create + 6 more changes, each one generation.
    expect(detail.cluster.generation).toBe(1 + 7);
    const audit = await viewer.audit.list({ clusterId: setup.cluster.id, limit: 50 });
    expect(audit.items.map((i) => i.action)).toEqual([
      'realServer.create',
      'realServer.create',
      'service.create',
      'haPair.create',
      'node.create',
      'node.create',
      'cluster.create',
    ]);
    expect(audit.items.find((i) => i.action === 'haPair.create')?.after).toMatchObject({ authSecretSet: true });
    expect(JSON.stringify(audit.items)).not.toContain('s3cret');
    expect(audit.items.every((i) => ['alice', 'oscar'].includes(i.actorName))).toBe(true);
  });

  it('changes a weight, records before/after, and refuses a stale edit naming who changed it', async () => {
    const { cluster, rs1 } = await buildSeedSetup('weights');
    const updated = await operator.realServer.setWeight({ id: rs1.id, version: rs1.version, weight: 3 });
    expect(updated.weight).toBe(3);
    expect(updated.version).toBe(rs1.version + 1);
    const last = (await viewer.audit.list({ clusterId: cluster.id, limit: 1 })).items[0];
    expect(last).toMatchObject({ action: 'realServer.setWeight', actorName: 'oscar', before: { weight: 1 }, after: { weight: 3 } });
    expect(last?.summary).toContain('1 → 3');
    // Someone else, holding the old version, tries to set 5: refused, naming oscar's change.
    await expectTrpcError(admin.realServer.setWeight({ id: rs1.id, version: rs1.version, weight: 5 }), 'CONFLICT', /oscar changed it .*1 → 3/);
    const row = await database.prisma.realServer.findUniqueOrThrow({ where: { id: rs1.id } });
    expect(row.weight).toBe(3);
  });

  it('refuses a stale edit and a stale delete of every kind of object, naming the change, and keeps the newer state', async () => {
    const { cluster, a, pair, service, rs1 } = await buildSeedSetup('stale-edits');
    const amy = (await callerFor(database.prisma, (await createTestUser(database.prisma, 'amy', 'ADMIN')).token)).caller;
    // Each object is changed once by one user; a second user still holding the old version is refused.
    await admin.cluster.update({ id: cluster.id, version: cluster.version, name: 'stale-edits', description: 'first' });
    await expectTrpcError(amy.cluster.update({ id: cluster.id, version: cluster.version, name: 'stale-edits', description: 'second' }), 'CONFLICT', /alice changed it/);
    await expectTrpcError(amy.cluster.delete({ id: cluster.id, version: cluster.version }), 'CONFLICT', /alice changed it/);
    await admin.node.update({ id: a.id, version: a.version, name: 'director-a', role: 'DIRECTOR', managementAddress: '198.18.0.21' });
    await expectTrpcError(amy.node.update({ id: a.id, version: a.version, name: 'director-a', role: 'DIRECTOR', managementAddress: '198.18.0.31' }), 'CONFLICT', /alice changed it/);
    await admin.haPair.update({ ...pair, authSecret: undefined, advertInterval: 2 });
    await expectTrpcError(amy.haPair.update({ ...pair, authSecret: undefined, advertInterval: 3 }), 'CONFLICT', /alice changed it/);
    await operator.service.update({ ...service, schedulerFlags: [], scheduler: 'lc', persistenceNetmask: null });
    await expectTrpcError(admin.service.update({ ...service, schedulerFlags: [], scheduler: 'rr', persistenceNetmask: null }), 'CONFLICT', /oscar changed it/);
    await expectTrpcError(admin.service.delete({ id: service.id, version: service.version }), 'CONFLICT', /oscar changed it/);
    await operator.realServer.update({ ...rs1, weight: 4 });
    await expectTrpcError(admin.realServer.delete({ id: rs1.id, version: rs1.version }), 'CONFLICT', /oscar changed it/);
    const db = database.prisma;
    expect(await db.cluster.findUniqueOrThrow({ where: { id: cluster.id } })).toMatchObject({ description: 'first' });
    expect(await db.node.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({ managementAddress: '198.18.0.21' });
    expect(await db.haPair.findUniqueOrThrow({ where: { id: pair.id } })).toMatchObject({ advertInterval: 2 });
    expect(await db.virtualService.findUniqueOrThrow({ where: { id: service.id } })).toMatchObject({ scheduler: 'lc' });
    expect(await db.realServer.findUniqueOrThrow({ where: { id: rs1.id } })).toMatchObject({ weight: 4 });
  });

  it('edits and deletes each object with its version', async () => {
    const { cluster, a, b, pair, service, rs1, rs2 } = await buildSeedSetup('edits');
    const renamed = await admin.cluster.update({ id: cluster.id, version: cluster.version, name: 'edits-renamed', description: 'x' });
    expect(renamed.name).toBe('edits-renamed');
    const node = await admin.node.update({ id: a.id, version: a.version, name: 'director-a1', role: 'DIRECTOR', managementAddress: 'lb-a.example.net' });
    expect(node.managementAddress).toBe('lb-a.example.net');
    const pair2 = await admin.haPair.update({ ...pair, authSecret: undefined, vips: ['192.168.241.11', '192.168.241.12'], advertInterval: 0.5 });
    expect(pair2).toMatchObject({ vips: ['192.168.241.11', '192.168.241.12'], advertInterval: 0.5, hasAuthSecret: true });
    const service2 = await operator.service.update({ ...service, schedulerFlags: [], scheduler: 'wlc', persistenceTimeout: 0, persistenceNetmask: null, name: 'web' });
    expect(service2).toMatchObject({ scheduler: 'wlc', persistenceTimeout: 0, serviceKey: 'TCP 192.168.241.11:80' });
    const rs = await operator.realServer.update({ ...rs1, forwarding: 'NAT', port: 8080, weight: 2 });
    expect(rs).toMatchObject({ forwarding: 'NAT', port: 8080, weight: 2 });
    await operator.realServer.delete({ id: rs.id, version: rs.version });
    await operator.realServer.delete({ id: rs2.id, version: rs2.version });
    await operator.service.delete({ id: service2.id, version: service2.version });
    await admin.haPair.delete({ id: pair2.id, version: pair2.version });
    await admin.node.delete({ id: node.id, version: node.version });
    await admin.node.delete({ id: b.id, version: b.version });
    await admin.cluster.delete({ id: renamed.id, version: renamed.version });
    expect(await database.prisma.cluster.count({ where: { id: cluster.id } })).toBe(0);
  });
});

describe('rules that need the database', () => {
  it('keeps (protocol, VIP, port) unique per cluster and a real server unique in its service', async () => {
    const { cluster, pair, service } = await buildSeedSetup('unique');
    const before = await counts();
    const dup = await expectTrpcError(operator.service.create({ clusterId: cluster.id, haPairId: pair.id, protocol: 'TCP', address: '192.168.241.11', port: 80 }), 'CONFLICT', /already exists/);
    expect(dup.cause).toMatchObject({ code: 'DUPLICATE', fieldErrors: { port: [expect.stringContaining('TCP 192.168.241.11:80')] } });
    await expectTrpcError(operator.realServer.create({ virtualServiceId: service.id, address: '192.168.241.15', port: 80 }), 'CONFLICT', /already exists/);
    // UDP on the same VIP:port is a different service.
    await operator.service.create({ clusterId: cluster.id, haPairId: pair.id, protocol: 'UDP', address: '192.168.241.11', port: 80 });
    expect((await counts()).services).toBe(before.services + 1);
  });

  it('refuses port remapping in DR and TUN, allows it in NAT', async () => {
    const { service } = await buildSeedSetup('remap');
    const err = await expectTrpcError(operator.realServer.create({ virtualServiceId: service.id, address: '192.168.241.20', port: 8080, forwarding: 'DR' }), 'BAD_REQUEST', /cannot remap ports/);
    expect(err.cause).toMatchObject({ fieldErrors: { port: [expect.stringContaining('must equal the service port 80')] } });
    await expectTrpcError(operator.realServer.create({ virtualServiceId: service.id, address: '192.168.241.20', port: 8080, forwarding: 'TUN' }), 'BAD_REQUEST', /cannot remap ports/);
    await expectTrpcError(operator.realServer.create({ virtualServiceId: service.id, address: '2001:db8::20', port: 80, forwarding: 'DR' }), 'BAD_REQUEST', /IPv4 like the VIP/);
    const nat = await operator.realServer.create({ virtualServiceId: service.id, address: '192.168.241.20', port: 8080, forwarding: 'NAT' });
    expect(nat.port).toBe(8080);
  });

  it('needs the VIP on the pair, a free VRID per interface, and VIPs not carried twice', async () => {
    const { cluster, a, b, pair } = await buildSeedSetup('vrrp');
    await expectTrpcError(operator.service.create({ clusterId: cluster.id, haPairId: pair.id, protocol: 'TCP', address: '192.168.241.99', port: 443 }), 'BAD_REQUEST', /does not carry VIP 192.168.241.99/);
    const base = { clusterId: cluster.id, interface: 'eth0', primaryNodeId: b.id, secondaryNodeId: a.id, primaryPriority: 150, secondaryPriority: 100 };
    await expectTrpcError(admin.haPair.create({ ...base, name: 'pair-2', virtualRouterId: 51, vips: [] }), 'CONFLICT', /Virtual router id 51 is already used on eth0/);
    await expectTrpcError(admin.haPair.create({ ...base, name: 'pair-2', virtualRouterId: 52, vips: ['192.168.241.11'] }), 'CONFLICT', /already carried by pair pair-1/);
    // Same VRID on another interface is fine.
    await admin.haPair.create({ ...base, name: 'pair-2', interface: 'eth1', virtualRouterId: 51, vips: ['192.168.241.12'] });
    // A VIP in use cannot be dropped from its pair.
    await expectTrpcError(admin.haPair.update({ ...pair, authSecret: undefined, vips: [] }), 'PRECONDITION_FAILED', /Still used by TCP 192.168.241.11:80/);
  });

  it('refuses a real server node as a director and deleting a director still in a pair', async () => {
    const { cluster, a, pair } = await buildSeedSetup('roles-of-nodes');
    const rsNode = await admin.node.create({ clusterId: cluster.id, name: 'rs-1', role: 'REAL_SERVER', managementAddress: '198.18.0.21' });
    await expectTrpcError(admin.haPair.update({ ...pair, authSecret: undefined, secondaryNodeId: rsNode.id }), 'BAD_REQUEST', /rs-1 is a real server, not a director/);
    await expectTrpcError(admin.node.delete({ id: a.id, version: a.version }), 'PRECONDITION_FAILED', /director of HA pair pair-1/);
  });
});

describe('audit atomicity', () => {
  it('rolls the change back when its audit row cannot be written', async () => {
    const before = await counts();
    // An actor id that is no user makes the audit insert violate its foreign key, after the change was written.
    const ghost = { userId: '00000000-0000-4000-8000-000000000000', username: 'ghost', role: 'ADMIN' as const };
    await expect(
      commitChange(database.prisma, { actor: ghost, clusterId: null }, async (tx) => {
        const cluster = await tx.cluster.create({ data: { name: 'never' } });
        return { result: cluster, clusterId: cluster.id, audit: { action: 'cluster.create', objectType: 'Cluster', objectId: cluster.id, summary: 'x' } };
      }),
    ).rejects.toThrow();
    expect(await counts()).toEqual(before);
  });
});

describe('roles and authentication', () => {
  it('lets a viewer read but not change anything', async () => {
    const { cluster, service, rs1 } = await buildSeedSetup('viewer');
    expect((await viewer.cluster.list()).some((c) => c.id === cluster.id)).toBe(true);
    const before = await counts();
    await expectTrpcError(viewer.realServer.setWeight({ id: rs1.id, version: rs1.version, weight: 9 }), 'FORBIDDEN', /operator role; you are viewer/);
    await expectTrpcError(viewer.service.delete({ id: service.id, version: service.version }), 'FORBIDDEN');
    await expectTrpcError(viewer.cluster.create({ name: 'nope', description: '' }), 'FORBIDDEN');
    await expectTrpcError(viewer.user.list(), 'FORBIDDEN');
    await expectTrpcError(operator.node.create({ clusterId: cluster.id, name: 'x', role: 'DIRECTOR', managementAddress: '198.18.0.30' }), 'FORBIDDEN', /admin role/);
    await expectTrpcError(operator.user.create({ username: 'eve', role: 'ADMIN', password: 'long enough password', displayName: '' }), 'FORBIDDEN');
    expect(await counts()).toEqual(before);
  });

  it('refuses every procedure without a session over HTTP, with 401', async () => {
    const list = await httpCall(database.prisma, { path: 'cluster.list', method: 'GET' });
    expect(list.status).toBe(401);
    expect(list.json.error?.data.code).toBe('UNAUTHORIZED');
    const mutation = await httpCall(database.prisma, { path: 'cluster.create', method: 'POST', input: { name: 'x', description: '' } });
    expect(mutation.status).toBe(401);
    const forged = await httpCall(database.prisma, { path: 'cluster.list', method: 'GET', token: 'not-a-session' });
    expect(forged.status).toBe(401);
    const me = await httpCall(database.prisma, { path: 'auth.me', method: 'GET' });
    expect(me.status).toBe(200);
  });

  it('refuses EVERY query and mutation of the router without a session (only auth.me/login/logout are open)', async () => {
    const open = new Set(['auth.me', 'auth.login', 'auth.logout']);
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>);
    expect(procedures.length).toBeGreaterThan(40);
    let checked = 0;
    for (const [path, procedure] of procedures) {
      const type = procedure._def.type;
      if (open.has(path)) continue;
      if (type === 'subscription') {
        // An SSE stream answers 200 and carries errors as events: call it directly, without a session.
        const { caller } = await callerFor(database.prisma, null);
        const call = path.split('.').reduce<any>((node, key) => node[key], caller);
        await expect(Promise.resolve().then(() => call({})), path).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      } else {
        const answer = await httpCall(database.prisma, { path, method: type === 'mutation' ? 'POST' : 'GET', input: {} });
        expect([path, answer.status, answer.json.error?.data.code]).toEqual([path, 401, 'UNAUTHORIZED']);
      }
      checked += 1;
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('answers a viewer mutation over HTTP with 403 and a cross-site mutation with 403', async () => {
    const viewerPost = await httpCall(database.prisma, { path: 'cluster.create', method: 'POST', token: tokens.viewer, input: { name: 'x', description: '' } });
    expect(viewerPost.status).toBe(403);
    const crossSite = await httpCall(database.prisma, { path: 'cluster.create', method: 'POST', token: tokens.admin, input: { name: 'csrf', description: '' }, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json.error?.message).toMatch(/Cross-site/);
    expect(await database.prisma.cluster.count({ where: { name: 'csrf' } })).toBe(0);
    const sameSite = await httpCall(database.prisma, { path: 'cluster.create', method: 'POST', token: tokens.admin, input: { name: 'same-origin', description: '' }, headers: { origin: 'http://localhost:3000' } });
    expect(sameSite.status).toBe(200);
  });

  it('logs in with an httpOnly SameSite cookie, refuses a wrong password with one message, logs out', async () => {
    const bad = await httpCall(database.prisma, { path: 'auth.login', method: 'POST', input: { username: 'alice', password: 'wrong' } });
    expect(bad.status).toBe(401);
    expect(bad.json.error?.message).toBe('Wrong username or password');
    const unknown = await httpCall(database.prisma, { path: 'auth.login', method: 'POST', input: { username: 'nobody', password: 'wrong' } });
    expect(unknown.json.error?.message).toBe('Wrong username or password');
    const ok = await httpCall(database.prisma, { path: 'auth.login', method: 'POST', input: { username: 'alice', password: 'correct horse battery' } });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^fulcrum_session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    const token = /fulcrum_session=([^;]+)/.exec(cookie)?.[1] ?? '';
    const me = await httpCall(database.prisma, { path: 'auth.me', method: 'GET', token });
    expect(me.json.result?.data).toMatchObject({ username: 'alice', role: 'ADMIN' });
    // The database holds only a hash of the token.
    expect(await database.prisma.session.count({ where: { id: token } })).toBe(0);
    await httpCall(database.prisma, { path: 'auth.logout', method: 'POST', token });
    const after = await httpCall(database.prisma, { path: 'cluster.list', method: 'GET', token });
    expect(after.status).toBe(401);
  });
});

describe('one-time passwords', () => {
  it('allow nothing but replacing the password', async () => {
    const db = database.prisma;
    const temp = await createTestUser(db, 'tina', 'ADMIN');
    await db.user.update({ where: { id: temp.id }, data: { mustChangePassword: true } });
    const { caller } = await callerFor(db, temp.token);
    await expectTrpcError(caller.cluster.list(), 'FORBIDDEN', /Change your one-time password first/);
    await expectTrpcError(caller.cluster.create({ name: 'by-temp', description: '' }), 'FORBIDDEN');
    await caller.auth.changePassword({ currentPassword: 'correct horse battery', newPassword: 'a much better passphrase' });
    const after = await callerFor(db, temp.token);
    expect(Array.isArray(await after.caller.cluster.list())).toBe(true);
  });
});

describe('bad input over HTTP', () => {
  const corpus = ['$(touch /tmp/x)', '`id`', '; rm -rf /', 'a\nb', 'nul\u0000byte', 'x'.repeat(10_000), '../../etc/passwd', '-A'];
  it.each(corpus.map((name) => [JSON.stringify(name).slice(0, 24), name]))('rejects %s as a cluster name with a field error and changes nothing', async (_label, name) => {
    const before = await counts();
    const res = await httpCall(database.prisma, { path: 'cluster.create', method: 'POST', token: tokens.admin, input: { name, description: '' } });
    expect(res.status).toBe(400);
    expect(res.json.error?.data.appCode).toBe('VALIDATION');
    expect(res.json.error?.data.fieldErrors?.name?.[0]).toMatch(/Name (may contain only|must be at most)/);
    expect(await counts()).toEqual(before);
  });

  it('names the field for malformed addresses, ports and weights', async () => {
    const { cluster, pair, service } = await buildSeedSetup('bad-input');
    const before = await counts();
    const svc = await httpCall(database.prisma, { path: 'service.create', method: 'POST', token: tokens.operator, input: { clusterId: cluster.id, haPairId: pair.id, protocol: 'TCP', address: '192.168.241.300', port: 70000 } });
    expect(svc.status).toBe(400);
    expect(svc.json.error?.data.fieldErrors).toMatchObject({ address: [expect.stringMatching(/Not a valid IP address/)], port: ['Port must be between 1 and 65535'] });
    const rs = await httpCall(database.prisma, { path: 'realServer.create', method: 'POST', token: tokens.operator, input: { virtualServiceId: service.id, address: '192.168.241.15; reboot', port: 80, weight: 70000 } });
    expect(rs.json.error?.data.fieldErrors).toMatchObject({ address: [expect.any(String)], weight: ['Weight must be between 0 and 65535'] });
    expect(await counts()).toEqual(before);
  });
});
