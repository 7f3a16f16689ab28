import { isIP } from 'node:net';
import { canonicalizeAddress, netmaskToPrefix } from '../model/address';
import { LvsParseError, validate } from '../model/errors';
import type { Destination, SchedulerFlag, VirtualService } from '../model/ipvs';
import { SCHEDULER_FLAGS } from '../model/ipvs';
import { SCHEDULERS, type ForwardingMethod, type Scheduler } from '../model/primitives';
import { KeepalivedConfig, type KeepalivedVirtualServer, type VirtualIpAddress, type VrrpInstance } from './model';

/** A statement of keepalived.conf: keyword, arguments, optional block, and where it was read. */
export interface ConfigNode {
  keyword: string;
  args: string[];
  children: ConfigNode[] | null;
  file: string;
  line: number;
}

/** A file pulled in by `include`: its name (for messages and cycle checks) and its text. */
export interface IncludedFile {
  name: string;
  text: string;
}

/** Returns the files an include pattern names (several when it is a glob), relative to the including file. */
export type IncludeResolver = (pattern: string, includingFile: string) => IncludedFile[];

/** Something read but not imported: Fulcrum keeps going and says so, rather than changing meaning silently. */
export interface ParseWarning {
  file: string;
  line: number;
  message: string;
}

/** Options for parseKeepalivedConfig. */
export interface ParseKeepalivedOptions {
  /** Name of the main file, for messages. */
  fileName?: string;
  /** Reads included files; without it an include is an error. */
  resolveInclude?: IncludeResolver;
}

const INCLUDE_KEYWORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb']);
const MAX_INCLUDE_DEPTH = 8;

type Token = { kind: 'word' | 'open' | 'close' | 'eol'; value: string; line: number; text: string };

/** Splits keepalived.conf into tokens: "#" and "!" start comments, double quotes group, braces stand alone. */
function tokenizeConfig(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const src = raw.replace(/\r$/, '');
    let i = 0;
    while (i < src.length) {
      const ch = src[i] ?? '';
      if (ch === ' ' || ch === '\t') i++;
      else if (ch === '#' || ch === '!') break;
      else if (ch === '{' || ch === '}') {
        tokens.push({ kind: ch === '{' ? 'open' : 'close', value: ch, line, text: src });
        i++;
      } else if (ch === '"') {
        const end = src.indexOf('"', i + 1);
        if (end === -1) throw new LvsParseError(`${file}: unterminated quoted string`, line, src);
        tokens.push({ kind: 'word', value: src.slice(i + 1, end), line, text: src });
        i = end + 1;
      } else {
        let j = i;
        while (j < src.length && !' \t{}"#!'.includes(src[j] ?? '')) j++;
        const word = src.slice(i, j);
        if (/[\x00-\x08\x0b-\x1f\x7f]/.test(word)) throw new LvsParseError(`${file}: control character in config`, line, src);
        tokens.push({ kind: 'word', value: word, line, text: src });
        i = j;
      }
    }
    tokens.push({ kind: 'eol', value: '', line, text: src });
  });
  return tokens;
}

/**
 * Parses keepalived.conf syntax into a tree, splicing `include` files through the resolver.
 * Unbalanced braces, unterminated quotes and include cycles are LvsParseErrors naming file and line.
 */
export function parseConfigTree(text: string, options: ParseKeepalivedOptions = {}): ConfigNode[] {
  return parseFile(text, options.fileName ?? 'keepalived.conf', options.resolveInclude, [], 0);
}

function parseFile(text: string, file: string, resolve: IncludeResolver | undefined, stack: string[], depth: number): ConfigNode[] {
  const tokens = tokenizeConfig(text, file);
  let pos = 0;
  const fail = (message: string, t: Token | undefined): never => {
    throw new LvsParseError(`${file}: ${message}`, t?.line ?? 0, t?.text ?? '');
  };
  const block = (nested: boolean, opener: Token | undefined): ConfigNode[] => {
    const nodes: ConfigNode[] = [];
    for (;;) {
      while (tokens[pos]?.kind === 'eol') pos++;
      const t = tokens[pos];
      if (!t) {
        if (nested) fail('missing "}" for the block opened here', opener);
        return nodes;
      }
      if (t.kind === 'close') {
        if (!nested) fail('unexpected "}"', t);
        pos++;
        return nodes;
      }
      if (t.kind === 'open') fail('"{" without a keyword', t);
      const words: string[] = [];
      while (tokens[pos]?.kind === 'word') words.push(tokens[pos++]?.value ?? '');
      const keyword = words[0] ?? '';
      const node: ConfigNode = { keyword, args: words.slice(1), children: null, file, line: t.line };
      let look = pos;
      while (tokens[look]?.kind === 'eol') look++;
      if (tokens[look]?.kind === 'open') {
        const open = tokens[look];
        pos = look + 1;
        node.children = block(true, open);
      }
      if (INCLUDE_KEYWORDS.has(keyword)) {
        if (node.children || node.args.length !== 1) fail('include takes one file name', t);
        if (!resolve) fail(`include ${node.args[0]} but no include resolver was given`, t);
        if (stack.length + 1 > MAX_INCLUDE_DEPTH) fail('includes nested too deeply', t);
        for (const inc of (resolve as IncludeResolver)(node.args[0] ?? '', file)) {
          if (inc.name === file || stack.includes(inc.name)) fail(`include cycle through ${inc.name}`, t);
          nodes.push(...parseFile(inc.text, inc.name, resolve, [...stack, file], depth + 1));
        }
        continue;
      }
      nodes.push(node);
    }
  };
  return block(false, undefined);
}

/** Result of importing a keepalived.conf. */
export interface ParsedKeepalivedConfig {
  config: KeepalivedConfig;
  warnings: ParseWarning[];
}

/**
 * Imports a keepalived.conf into Fulcrum's model: global_defs (router_id, notify FIFOs, lvs_sync_daemon),
 * vrrp_instance blocks and virtual_server blocks. Keywords Fulcrum does not model (track_script,
 * notify scripts, HTTP_GET, sorry_server…) are skipped with a warning each; the result is validated as a
 * whole, so an import never yields a configuration Fulcrum could not render back identically.
 */
export function parseKeepalivedConfig(text: string, options: ParseKeepalivedOptions = {}): ParsedKeepalivedConfig {
  const tree = parseConfigTree(text, options);
  const warnings: ParseWarning[] = [];
  const warn = (n: ConfigNode, message: string) => warnings.push({ file: n.file, line: n.line, message });
  const fail = (n: ConfigNode, message: string): never => {
    throw new LvsParseError(`${n.file}: ${message}`, n.line, [n.keyword, ...n.args].join(' '));
  };
  const one = (n: ConfigNode): string => {
    if (n.args.length !== 1) fail(n, `${n.keyword} takes one value`);
    return n.args[0] ?? '';
  };
  const int = (n: ConfigNode, value: string | undefined, min: number, max: number): number => {
    if (value === undefined || !/^\d{1,10}$/.test(value)) return fail(n, `${n.keyword}: expected a whole number, got ${JSON.stringify(value ?? '')}`);
    const v = Number(value);
    if (v < min || v > max) fail(n, `${n.keyword}: ${v} out of range ${min}–${max}`);
    return v;
  };
  const address = (n: ConfigNode, value: string | undefined): string => {
    if (value === undefined || isIP(value) === 0) return fail(n, `${n.keyword}: expected an IP address, got ${JSON.stringify(value ?? '')}`);
    return canonicalizeAddress(value);
  };

  let routerId: string | null = null;
  let notifyFifo: string | null = null;
  let vrrpNotifyFifo: string | null = null;
  let syncDaemon: { interface: string; instance: string; syncId: number | null } | null = null;
  const instances: VrrpInstance[] = [];
  const virtualServers: KeepalivedVirtualServer[] = [];

  for (const node of tree) {
    if (node.keyword === 'global_defs' && node.children) {
      for (const g of node.children) {
        if (g.keyword === 'router_id') routerId = one(g);
        else if (g.keyword === 'notify_fifo') notifyFifo = g.args[0] ?? fail(g, 'notify_fifo needs a path');
        else if (g.keyword === 'vrrp_notify_fifo') vrrpNotifyFifo = g.args[0] ?? fail(g, 'vrrp_notify_fifo needs a path');
        else if (g.keyword === 'lvs_sync_daemon') {
          const a = [...g.args];
          const iface = a.shift() ?? fail(g, 'lvs_sync_daemon needs an interface');
          if (a[0] === 'inst') a.shift();
          const instance = a.shift() ?? fail(g, 'lvs_sync_daemon needs a vrrp_instance');
          let syncId: number | null = null;
          while (a.length > 0) {
            const k = a.shift();
            const v = a.shift();
            if (k === 'id') syncId = int(g, v, 0, 255);
            else warn(g, `lvs_sync_daemon option ${k} not imported`);
          }
          syncDaemon = { interface: iface, instance, syncId };
        } else warn(g, `global_defs keyword ${g.keyword} not imported`);
      }
    } else if (node.keyword === 'vrrp_instance' && node.children) {
      instances.push(readInstance(node));
    } else if (node.keyword === 'virtual_server' && node.children) {
      const vs = readVirtualServer(node);
      if (vs) virtualServers.push(vs);
    } else {
      warn(node, `top-level ${node.keyword}${node.children ? ' block' : ''} not imported`);
    }
  }

  function readInstance(node: ConfigNode): VrrpInstance {
    const name = one(node);
    const i: Record<string, unknown> = { name, virtualIpAddresses: [], unicastPeers: [], noPreempt: false, authPass: null, unicastSourceIp: null, advertInterval: 1, vrrpVersion: 2 };
    const vips: Array<{ address: string; prefix: number | null; dev: string | null }> = [];
    for (const c of node.children ?? []) {
      switch (c.keyword) {
        case 'state': {
          const s = one(c);
          if (s !== 'MASTER' && s !== 'BACKUP') fail(c, `state must be MASTER or BACKUP, got ${s}`);
          i.state = s;
          break;
        }
        case 'interface':
          i.interface = one(c);
          break;
        case 'virtual_router_id':
          i.virtualRouterId = int(c, one(c), 1, 255);
          break;
        case 'priority':
          i.priority = int(c, one(c), 1, 254);
          break;
        case 'advert_int': {
          const v = one(c);
          if (!/^\d+(\.\d+)?$/.test(v)) fail(c, `advert_int: expected seconds, got ${v}`);
          i.advertInterval = Number(v);
          break;
        }
        case 'version':
          i.vrrpVersion = int(c, one(c), 2, 3);
          break;
        case 'nopreempt':
          i.noPreempt = true;
          break;
        case 'unicast_src_ip':
          i.unicastSourceIp = address(c, one(c));
          break;
        case 'unicast_peer':
          i.unicastPeers = (c.children ?? []).map((p) => {
            if (p.args.length > 0) warn(p, 'unicast_peer options not imported');
            return address(p, p.keyword);
          });
          break;
        case 'authentication':
          for (const a of c.children ?? []) {
            if (a.keyword === 'auth_type' && one(a) !== 'PASS') fail(a, 'only auth_type PASS is supported');
            else if (a.keyword === 'auth_pass') i.authPass = one(a);
            else if (a.keyword !== 'auth_type') warn(a, `authentication keyword ${a.keyword} not imported`);
          }
          break;
        case 'virtual_ipaddress':
          for (const v of c.children ?? []) {
            const [addr, prefixText] = v.keyword.split('/');
            const entry = { address: address(v, addr), prefix: prefixText === undefined ? null : int(v, prefixText, 1, 128), dev: null as string | null };
            for (let k = 0; k < v.args.length; k += 2) {
              if (v.args[k] === 'dev') entry.dev = v.args[k + 1] ?? fail(v, 'dev needs an interface');
              else warn(v, `virtual_ipaddress option ${v.args[k]} not imported`);
            }
            vips.push(entry);
          }
          break;
        default:
          warn(c, `vrrp_instance keyword ${c.keyword} not imported`);
      }
    }
    i.virtualIpAddresses = vips.map(
      (v): VirtualIpAddress => ({ address: v.address, prefix: v.prefix ?? (v.address.includes(':') ? 128 : 32), dev: v.dev ?? String(i.interface ?? '') }),
    );
    return i as unknown as VrrpInstance;
  }

  function readVirtualServer(node: ConfigNode): KeepalivedVirtualServer | null {
    if (node.args[0] === 'group') {
      warn(node, 'virtual_server group not imported');
      return null;
    }
    const isFwmark = node.args[0] === 'fwmark';
    if (node.args.length !== 2) fail(node, 'virtual_server needs "ADDRESS PORT" or "fwmark N"');
    let scheduler: Scheduler = 'wlc';
    let kind: ForwardingMethod = 'NAT'; // keepalived's default lb_kind
    let protocol: 'TCP' | 'UDP' = 'TCP';
    let family: 'ipv4' | 'ipv6' = 'ipv4';
    let persistenceTimeout = 0;
    let granularity: string | null = null;
    let onePacket = false;
    let delayLoop = 60; // keepalived's default delay_loop
    const flags: SchedulerFlag[] = [];
    const reals: Array<{ node: ConfigNode; d: Destination; method: ForwardingMethod | null; timeout: number | null }> = [];
    const method = (n: ConfigNode): ForwardingMethod => {
      const v = n.args[0];
      if (n.args.length !== 1) fail(n, `${n.keyword}: only DR, NAT and plain TUN (ipip) are supported`);
      if (v === 'DR' || v === 'NAT' || v === 'TUN') return v;
      return fail(n, `${n.keyword}: unknown method ${JSON.stringify(v)}`);
    };
    for (const c of node.children ?? []) {
      switch (c.keyword) {
        case 'lb_algo':
        case 'lvs_sched': {
          const v = one(c);
          if (!(SCHEDULERS as readonly string[]).includes(v)) fail(c, `unknown scheduler ${v}`);
          scheduler = v as Scheduler;
          break;
        }
        case 'lb_kind':
        case 'lvs_method':
          kind = method(c);
          break;
        case 'protocol': {
          const v = one(c);
          if (v !== 'TCP' && v !== 'UDP') fail(c, `protocol ${v} is not supported`);
          protocol = v as 'TCP' | 'UDP';
          break;
        }
        case 'ip_family': {
          const v = one(c);
          if (v !== 'inet' && v !== 'inet6') fail(c, 'ip_family must be inet or inet6');
          family = v === 'inet6' ? 'ipv6' : 'ipv4';
          break;
        }
        case 'persistence_timeout':
          persistenceTimeout = c.args.length === 0 ? 360 : int(c, one(c), 1, 2147483647);
          break;
        case 'persistence_granularity':
          granularity = one(c);
          break;
        case 'ops':
          onePacket = true;
          break;
        case 'delay_loop':
          delayLoop = int(c, one(c), 1, 3600);
          break;
        case 'real_server':
          reals.push(readRealServer(c));
          break;
        default:
          if ((SCHEDULER_FLAGS as readonly string[]).includes(c.keyword)) flags.push(c.keyword as SchedulerFlag);
          else warn(c, `virtual_server keyword ${c.keyword} not imported`);
      }
    }
    const vsAddress = isFwmark ? null : address(node, node.args[0]);
    const vsPort = isFwmark ? 0 : int(node, node.args[1], 1, 65535);
    if (vsAddress) family = vsAddress.includes(':') ? 'ipv6' : 'ipv4';
    let persistencePrefix: number | null = null;
    if (granularity !== null) {
      persistencePrefix = family === 'ipv6' ? int(node, granularity, 1, 128) : netmaskToPrefix(granularity);
      if (persistencePrefix === null) fail(node, `persistence_granularity ${granularity} is not a contiguous netmask`);
      if (persistencePrefix === (family === 'ipv6' ? 128 : 32)) persistencePrefix = null;
    }
    const timeouts = reals.map((r) => r.timeout);
    const connectTimeout = timeouts[0] ?? null;
    if (timeouts.some((t) => t !== connectTimeout)) warn(node, 'real servers have different TCP_CHECK settings; the first one was imported');
    const destinations = reals.map((r) => ({ ...r.d, forwarding: r.method ?? kind, port: r.d.port === -1 ? vsPort : r.d.port }));
    const service = (isFwmark
      ? { protocol: 'FWMARK', fwmark: int(node, node.args[1], 1, 4294967295), family }
      : { protocol, address: vsAddress, port: vsPort }) as VirtualService;
    return {
      service: { ...service, scheduler, schedulerFlags: flags, persistenceTimeout, persistencePrefix, onePacket, destinations } as VirtualService,
      delayLoop,
      connectTimeout,
    };

    function readRealServer(c: ConfigNode): { node: ConfigNode; d: Destination; method: ForwardingMethod | null; timeout: number | null } {
      if (c.args.length < 1 || c.args.length > 2) fail(c, 'real_server needs ADDRESS [PORT]');
      // a real server without a port takes the service's (fwmark services: none)
      const port = c.args[1] === undefined ? (isFwmark ? 0 : -1) : int(c, c.args[1], 0, 65535);
      const d: Destination = { address: address(c, c.args[0]), port, forwarding: 'NAT', weight: 1, upperThreshold: 0, lowerThreshold: 0 };
      let m: ForwardingMethod | null = null;
      let timeout: number | null = null;
      for (const r of c.children ?? []) {
        if (r.keyword === 'weight') d.weight = int(r, one(r), 0, 65535);
        else if (r.keyword === 'lvs_method' || r.keyword === 'lb_kind') m = method(r);
        else if (r.keyword === 'uthreshold') d.upperThreshold = int(r, one(r), 0, 2147483647);
        else if (r.keyword === 'lthreshold') d.lowerThreshold = int(r, one(r), 0, 2147483647);
        else if (r.keyword === 'TCP_CHECK') {
          timeout = 5; // keepalived's default connect_timeout
          for (const k of r.children ?? []) {
            if (k.keyword === 'connect_timeout') timeout = int(k, one(k), 1, 3600);
            else warn(k, `TCP_CHECK keyword ${k.keyword} not imported`);
          }
        } else warn(r, `real_server keyword ${r.keyword} not imported`);
      }
      return { node: c, d, method: m, timeout };
    }
  }

  if (routerId === null) throw new LvsParseError('keepalived.conf: global_defs router_id is required for import', 0, '');
  const config = validate(KeepalivedConfig, { routerId, notifyFifo, vrrpNotifyFifo, syncDaemon, instances, virtualServers }, 'imported keepalived configuration');
  return { config, warnings };
}
