import { describe, expect, it } from 'vitest';
import { GuestFrame, HostFrame, LineSplitter, encodeFrame, parseFrame } from './control-protocol';

describe('control frames', () => {
  it('round-trips an exec request with defaults applied', () => {
    const line = encodeFrame({ type: 'exec', id: 3, host: 'director-a', argv: ['ipvsadm', '-Ln'], timeoutMs: 1000 });
    expect(line.endsWith('\n')).toBe(true);
    const parsed = parseFrame(HostFrame, line.trim());
    expect(parsed).toEqual({
      ok: true,
      frame: { type: 'exec', id: 3, host: 'director-a', argv: ['ipvsadm', '-Ln'], env: {}, timeoutMs: 1000, privateTmp: false },
    });
  });

  it('answers bad frames with a reason and the request id when recoverable', () => {
    expect(parseFrame(HostFrame, '{nope')).toEqual({ ok: false, error: 'not JSON', id: null });
    const noArgv = parseFrame(HostFrame, JSON.stringify({ type: 'exec', id: 9, host: 'client', argv: [], timeoutMs: 5 }));
    expect(noArgv).toMatchObject({ ok: false, id: 9 });
    expect(!noArgv.ok && noArgv.error).toMatch(/argv/);
    expect(parseFrame(HostFrame, JSON.stringify({ type: 'shell', id: 1, command: 'rm -rf /' }))).toMatchObject({ ok: false, id: 1 });
    expect(parseFrame(HostFrame, JSON.stringify({ type: 'exec', id: 1, host: '../etc', argv: ['x'], timeoutMs: 5 }))).toMatchObject({ ok: false });
    expect(parseFrame(HostFrame, JSON.stringify({ type: 'exec', id: 1, host: 'client', argv: ['a\0b'], timeoutMs: 5 }))).toMatchObject({ ok: false });
    expect(parseFrame(HostFrame, JSON.stringify({ type: 'exec', id: 1, host: 'client', argv: ['x'], env: { 'A=B': 'c' }, timeoutMs: 5 }))).toMatchObject({ ok: false });
    expect(parseFrame(HostFrame, JSON.stringify({ type: 'signal', id: 1, pid: 1, signal: 'SIGKILL' }))).toMatchObject({ ok: false });
    expect(parseFrame(HostFrame, JSON.stringify({ type: 'hello', v: 1, token: 'short' }))).toMatchObject({ ok: false });
    expect(parseFrame(HostFrame, 'null')).toMatchObject({ ok: false, id: null });
  });

  it('parses guest frames, including unsolicited exits', () => {
    expect(parseFrame(GuestFrame, JSON.stringify({ type: 'exited', pid: 42, exitCode: null, signal: 'SIGTERM' }))).toMatchObject({ ok: true });
    expect(parseFrame(GuestFrame, JSON.stringify({ type: 'error', id: null, code: 'UNAUTHENTICATED', message: 'x' }))).toMatchObject({ ok: true });
    expect(parseFrame(GuestFrame, JSON.stringify({ type: 'error', id: 1, code: 'WHATEVER', message: 'x' }))).toMatchObject({ ok: false });
  });
});

describe('LineSplitter', () => {
  it('reassembles lines split across chunks, including multi-byte characters', () => {
    const splitter = new LineSplitter();
    const text = Buffer.from('{"a":"é"}\n{"b":2}\n\n{"c"');
    expect(splitter.push(text.subarray(0, 7))).toEqual([]);
    expect(splitter.push(text.subarray(7))).toEqual(['{"a":"é"}', '{"b":2}']);
    expect(splitter.push(Buffer.from(':3}\n'))).toEqual(['{"c":3}']);
  });

  it('refuses oversized lines, split or whole', () => {
    expect(() => new LineSplitter(8).push(Buffer.from('0123456789\n'))).toThrow(/longer than 8/);
    const splitter = new LineSplitter(8);
    splitter.push(Buffer.from('01234'));
    expect(() => splitter.push(Buffer.from('56789'))).toThrow(/longer than 8/);
  });
});
