import { describe, expect, it } from 'vitest';
import { buildAccountFiles, buildSshdConfig, buildSudoersDropIn, parseKeygenFingerprint, shadowDay } from './ssh-host-files';

const host = {
  passwd: 'root:x:0:0:root:/root:/bin/bash\nsshd:x:102:65534::/run/sshd:/usr/sbin/nologin\nfulcrum-op:x:1000:1000::/home/old:/bin/bash\n',
  shadow: 'root:*:19000:0:99999:7:::\nsshd:!:19000::::::\nfulcrum-op:!:19000::::::\n',
  group: 'root:x:0:\nshadow:x:42:\nfulcrum-op:x:1000:\n',
};
const now = new Date('2026-01-02T12:00:00Z');

describe('buildAccountFiles', () => {
  const files = buildAccountFiles(
    host,
    [{ username: 'fulcrum-op', uid: 4242, home: '/run/fulcrum-ssh/home/fulcrum-op', passwordHash: '$6$salt$hash' }],
    '$6$root$hash',
    now,
  );

  it('keeps the host accounts, replaces a same-named one and adds the test account with its group', () => {
    expect(files.passwd).toBe(
      'root:x:0:0:root:/root:/bin/bash\nsshd:x:102:65534::/run/sshd:/usr/sbin/nologin\n' +
        'fulcrum-op:x:4242:4242:Fulcrum SSH test:/run/fulcrum-ssh/home/fulcrum-op:/bin/sh\n',
    );
    expect(files.group).toBe('root:x:0:\nshadow:x:42:\nfulcrum-op:x:4242:\n');
  });

  it("sets root's password and dates every changed password today (day 0 would force a change at login)", () => {
    const day = shadowDay(now);
    expect(day).toBe(20455);
    expect(files.shadow).toBe(`root:$6$root$hash:${day}:0:99999:7:::\nsshd:!:19000::::::\nfulcrum-op:$6$salt$hash:${day}:0:99999:7:::\n`);
  });
});

describe('sshd and sudo files', () => {
  it('writes an sshd_config with absolute paths and no PAM', () => {
    const config = buildSshdConfig({
      port: 2222,
      listenAddress: '198.18.3.2',
      hostKeyPath: '/run/x/key',
      pidFilePath: '/run/x/sshd.pid',
      authorizedKeysDir: '/run/x/keys',
    });
    expect(config).toContain('Port 2222\nListenAddress 198.18.3.2\nHostKey /run/x/key\nPidFile /run/x/sshd.pid\n');
    expect(config).toContain('\nUsePAM no\n');
    expect(config).toContain('\nAuthorizedKeysFile /run/x/keys/%u.keys\n');
    expect(config.endsWith('\n')).toBe(true);
  });

  it('grants passwordless sudo to one user', () => {
    expect(buildSudoersDropIn('fulcrum-op')).toMatch(/^fulcrum-op ALL=\(ALL\) NOPASSWD: ALL$/m);
  });

  it('reads the fingerprint from ssh-keygen -l', () => {
    expect(parseKeygenFingerprint('256 SHA256:abc+/DEF0 fulcrum-ssh-host (ED25519)\n')).toBe('SHA256:abc+/DEF0');
    expect(() => parseKeygenFingerprint('not a key')).toThrow(/unexpected ssh-keygen/);
  });
});
