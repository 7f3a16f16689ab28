import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheck } from '@fulcrum/protocol/snapshot';

/** Result of one probe. */
export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** Runs one check against its destination: a TCP connect, or an HTTP GET expecting a status. */
export type Probe = (check: HealthCheck) => Promise<ProbeResult>;

/** TCP connect / HTTP GET probes over node's own sockets (no process per probe). */
export const networkProbe: Probe = (check) => (check.kind === 'TCP' ? probeTcp(check) : probeHttp(check));

function probeTcp(check: HealthCheck): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: check.address, port: check.port });
    const timer = setTimeout(() => finish(false, `TCP connect timed out after ${check.timeoutMs} ms`), check.timeoutMs);
    const finish = (ok: boolean, message: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, message });
    };
    socket.once('connect', () => finish(true, 'TCP connect succeeded'));
    socket.once('error', (e) => finish(false, `TCP connect failed: ${e.message}`));
  });
}

function probeHttp(check: HealthCheck): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean, message: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ok, message });
    };
    const req = request({ host: check.address, port: check.port, path: check.httpPath, method: 'GET', agent: false, headers: { 'user-agent': 'fulcrum-agent-health', connection: 'close' } }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      finish(status === check.httpExpectStatus, `HTTP GET ${check.httpPath} → ${status} (expected ${check.httpExpectStatus})`);
    });
    const timer = setTimeout(() => finish(false, `HTTP GET ${check.httpPath} timed out after ${check.timeoutMs} ms`), check.timeoutMs);
    req.once('error', (e) => finish(false, `HTTP GET ${check.httpPath} failed: ${e.message}`));
    req.end();
  });
}
