import { describe, expect, it } from 'vitest';
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, encodeGenlMessage, genlAttributes, GENL_ID_CTRL, NLM_F_ACK, NLM_F_REQUEST, readU16 } from './netlink-message';
import { NetlinkError, NetlinkRelay } from './netlink-relay';

// The relay against this machine's own kernel: its generic netlink controller answers on every Linux
// (IPVS itself is tested in the lab, whose kernel has it).
const getFamily = (name: string) => (seq: number) => encodeGenlMessage({ family: GENL_ID_CTRL, cmd: CTRL_CMD_GETFAMILY, version: 1, flags: NLM_F_REQUEST | NLM_F_ACK, seq, attributes: [[CTRL_ATTR_FAMILY_NAME, { kind: 'string', value: name }]] });

describe('netlink relay (perl holding one AF_NETLINK socket)', () => {
  it('matches replies to requests, reports errno, and pipelines a batch with per-request results', async () => {
    const relay = new NetlinkRelay({ perlPath: '/usr/bin/perl', protocol: 16 });
    try {
      const [reply] = await relay.request(getFamily('nlctrl'), 'ack');
      expect(readU16(genlAttributes(reply!).get(CTRL_ATTR_FAMILY_ID))).toBe(GENL_ID_CTRL);
      await expect(relay.request(getFamily('no-such-family'), 'ack')).rejects.toMatchObject({ errno: 2, message: 'ENOENT (No such file or directory)' });
      const results = await relay.batch(Array.from({ length: 3000 }, (_, i) => getFamily(i % 3 === 0 ? 'nope' : 'nlctrl')), 256);
      expect(results.length).toBe(3000);
      results.forEach((errno, i) => expect(errno).toBe(i % 3 === 0 ? 2 : 0));
    } finally {
      relay.close();
    }
  });

  it('a relay that cannot start or dies fails its requests with the reason instead of hanging', async () => {
    const missing = new NetlinkRelay({ perlPath: '/nonexistent/perl', protocol: 16 });
    await expect(missing.request(getFamily('nlctrl'), 'ack')).rejects.toThrow(/cannot run \/nonexistent\/perl/);
    const relay = new NetlinkRelay({ perlPath: '/usr/bin/perl', protocol: 16 });
    await relay.request(getFamily('nlctrl'), 'ack');
    relay.close();
    await expect(relay.request(getFamily('nlctrl'), 'ack')).rejects.toBeInstanceOf(NetlinkError);
    expect(relay.alive).toBe(false);
    expect(() => new NetlinkRelay({ perlPath: '/usr/bin/perl', protocol: 99 })).toThrow(/0–31/);
  });
});
