// Health check settings on services and the NAT gateway on pairs: defaults that keep old callers
// working, and the rules between fields.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CreateHaPairInput, UpdateHaPairInput } from './ha-pair';
import { CreateVirtualServiceInput, UpdateVirtualServiceInput } from './virtual-service';

const ID_A = '11111111-1111-4111-8111-111111111111';
const ID_B = '22222222-2222-4222-8222-222222222222';
const tcp = { clusterId: ID_A, haPairId: ID_B, protocol: 'TCP', address: '192.168.241.11', port: 80 };

function fieldMessages(schema: z.ZodType, value: unknown): Record<string, string[]> {
  const result = schema.safeParse(value);
  return result.success ? {} : (z.flattenError(result.error).fieldErrors as Record<string, string[]>);
}

describe('service health checks', () => {
  it('default to no check with keepalived-like timings', () => {
    expect(CreateVirtualServiceInput.parse(tcp)).toMatchObject({
      healthCheckKind: 'NONE', healthCheckHttpPath: '/', healthCheckHttpExpectStatus: 200, healthCheckIntervalMs: 2000, healthCheckTimeoutMs: 1000, healthCheckRise: 2, healthCheckFall: 2,
    });
  });
  it('leave every field out of an update that does not mention them, so the stored check is kept', () => {
    const parsed = UpdateVirtualServiceInput.parse({ ...tcp, id: ID_A, version: 1 });
    expect(parsed.healthCheckKind).toBeUndefined();
    expect(parsed.healthCheckIntervalMs).toBeUndefined();
  });
  it('refuse HTTP checks on UDP, timeouts not shorter than the interval, and paths with spaces', () => {
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, protocol: 'UDP', healthCheckKind: 'HTTP' }).healthCheckKind).toEqual(['HTTP checks need a TCP service: use a TCP check or none for UDP']);
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, healthCheckKind: 'TCP', healthCheckIntervalMs: 1000, healthCheckTimeoutMs: 1000 }).healthCheckTimeoutMs).toEqual(['Timeout must be shorter than the check interval']);
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, healthCheckKind: 'HTTP', healthCheckHttpPath: '/a b' }).healthCheckHttpPath?.[0]).toMatch(/no spaces/);
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, healthCheckKind: 'HTTP', healthCheckHttpPath: '/x\r\nHost: evil' }).healthCheckHttpPath?.[0]).toMatch(/no spaces or control/);
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, healthCheckKind: 'PING' }).healthCheckKind).toEqual(['Health check must be NONE, TCP or HTTP']);
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, healthCheckRise: 0, healthCheckHttpExpectStatus: 600 })).toMatchObject({ healthCheckRise: ['Rise must be between 1 and 100'], healthCheckHttpExpectStatus: ['Expected status must be between 100 and 599'] });
  });
});

describe('pair NAT gateway', () => {
  const pair = { clusterId: ID_A, name: 'pair-1', interface: 'eth0', virtualRouterId: 51, primaryNodeId: ID_A, secondaryNodeId: ID_B, vips: ['192.168.241.11'] };
  it('defaults to none on create, is kept when an update leaves it out, and must be an address', () => {
    expect(CreateHaPairInput.parse(pair).natGatewayIp).toBeNull();
    expect(CreateHaPairInput.parse({ ...pair, natGatewayIp: '10.0.0.1' }).natGatewayIp).toBe('10.0.0.1');
    expect(UpdateHaPairInput.parse({ ...pair, id: ID_A, version: 1 }).natGatewayIp).toBeUndefined();
    expect(fieldMessages(CreateHaPairInput, { ...pair, natGatewayIp: '$(id)' }).natGatewayIp?.[0]).toMatch(/IP address/);
  });
});
