// Host lists as operators write them: names, addresses, `user@host`, `host:port`, address
// ranges (`10.0.0.11-13`, `10.0.0.11-10.0.0.13`), Ansible-style name ranges
// (`node[01:03].example.com`, zero padding kept, `[a:c]`, `[01:10:2]`), and the hosts of an
// existing Genestack/Ansible inventory.yaml. Pure: the caller reads files.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { HostTarget } from './types';
import { safeText } from '../terminal/sanitize';

/** Ranges bigger than this are almost certainly a typo (`10.0.0.1-10.0.255.255`). */
export const MAX_EXPANSION = 4096;

export class HostListError extends Error {
  constructor(
    message: string,
    /** 1-based position in an inventory file, when the error comes from one. */
    readonly line?: number,
    readonly column?: number,
  ) {
    // Every message quotes what was typed or read from an inventory: shown, never obeyed.
    super(message.replace(/[^\n]+/g, (l) => safeText(l)));
    this.name = 'HostListError';
  }
}

function parseIpv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return null;
  return ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
}

function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

function checkName(name: string, original: string): void {
  if (name.startsWith('-')) {
    // ssh would read it as an option.
    throw new HostListError(`"${original}": a host name cannot start with "-"`);
  }
  if (/^[\d.]+$/.test(name) && parseIpv4(name) === null) {
    throw new HostListError(`"${original}": ${name} is not a valid IPv4 address`);
  }
  if (parseIpv4(name) !== null || NAME.test(name) || isIpv6(name)) return;
  throw new HostListError(
    `"${original}" is not a host name, an IPv4 or IPv6 address, or a range ` +
      '(examples: node01.example.com, 10.0.0.11, 10.0.0.11-13, node[01:03].example.com)',
  );
}

function isIpv6(s: string): boolean {
  return /^[0-9A-Fa-f:.]+$/.test(s) && s.split(':').length >= 3;
}

/** `node[01:03]x[a:b]` -> node01xa, node01xb, ... (Ansible inventory range syntax). */
export function expandBrackets(pattern: string): string[] {
  const m = /\[([^\]]*)\]/.exec(pattern);
  if (!m || m.index === undefined) return [pattern];
  const before = pattern.slice(0, m.index);
  const after = pattern.slice(m.index + m[0].length);
  const parts = (m[1] ?? '').split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw new HostListError(`"${pattern}": a range is written [start:end] or [start:end:step]`);
  }
  const [start = '', end = '', stepText] = parts;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (!Number.isInteger(step) || step < 1) {
    throw new HostListError(`"${pattern}": the step of a range must be a positive integer`);
  }
  let values: string[] = [];
  if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
    const a = Number(start);
    const b = Number(end);
    if (b < a) throw new HostListError(`"${pattern}": the range end is before its start`);
    if ((b - a) / step + 1 > MAX_EXPANSION) {
      throw new HostListError(`"${pattern}" expands to more than ${MAX_EXPANSION} hosts`);
    }
    // Ansible pads to the width of the start when it has a leading zero.
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    for (let i = a; i <= b; i += step) values.push(String(i).padStart(width, '0'));
  } else if (/^[a-z]$/.test(start) && /^[a-z]$/.test(end)) {
    const a = start.charCodeAt(0);
    const b = end.charCodeAt(0);
    if (b < a) throw new HostListError(`"${pattern}": the range end is before its start`);
    for (let i = a; i <= b; i += step) values.push(String.fromCharCode(i));
  } else {
    throw new HostListError(
      `"${pattern}": [${m[1]}] is not a range of numbers ([01:03]) or letters ([a:c])`,
    );
  }
  const tails = expandBrackets(after);
  values = values.flatMap((v) => tails.map((t) => `${before}${v}${t}`));
  if (values.length > MAX_EXPANSION) {
    throw new HostListError(`"${pattern}" expands to more than ${MAX_EXPANSION} hosts`);
  }
  return values;
}

/** `10.0.0.11-13` or `10.0.0.11-10.0.0.13` -> the addresses; null when not an address range. */
export function expandAddressRange(s: string): string[] | null {
  const m = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})-(\d{1,3}(?:\.\d{1,3}\.\d{1,3}\.\d{1,3})?)$/.exec(
    s,
  );
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  const first = parseIpv4(m[1]);
  if (first === null) throw new HostListError(`"${s}": ${m[1]} is not an IPv4 address`);
  let last: number | null;
  if (m[2].includes('.')) {
    last = parseIpv4(m[2]);
  } else {
    const octet = Number(m[2]);
    last = octet > 255 ? null : ((first & 0xffffff00) >>> 0) + octet;
  }
  if (last === null) throw new HostListError(`"${s}": ${m[2]} is not a valid range end`);
  if (last < first) throw new HostListError(`"${s}": the range end is before its start`);
  if (last - first + 1 > MAX_EXPANSION) {
    throw new HostListError(`"${s}" expands to more than ${MAX_EXPANSION} hosts`);
  }
  const out: string[] = [];
  for (let n = first; n <= last; n++) out.push(formatIpv4(n));
  return out;
}

/**
 * One command-line word -> targets. `host` of each target is the expanded word (user and port
 * included) so results read like what was typed.
 */
export function expandHostArg(arg: string): HostTarget[] {
  const word = arg.trim();
  if (word === '') throw new HostListError('an empty host name was given');
  let rest = word;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(user)) {
      throw new HostListError(`"${arg}": "${user}" is not a valid user name`);
    }
  }
  let port: number | undefined;
  // [v6]:port, or name:port (a bare IPv6 address has more than one colon).
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(rest);
  if (v6 && isIpv6(v6[1] ?? '')) {
    rest = v6[1] ?? '';
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else if ((rest.match(/:/g) ?? []).length === 1 && !rest.includes('[')) {
    const [h, p] = rest.split(':');
    if (!/^\d+$/.test(p ?? '')) throw new HostListError(`"${arg}": "${p}" is not a port number`);
    rest = h ?? '';
    port = Number(p);
  } else if (/\]:(\d+)$/.test(rest)) {
    const i = rest.lastIndexOf(':');
    port = Number(rest.slice(i + 1));
    rest = rest.slice(0, i);
  }
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new HostListError(`"${arg}": port ${port} is outside 1-65535`);
  }
  const names = expandAddressRange(rest) ?? (isIpv6(rest) ? [rest] : expandBrackets(rest));
  return names.map((name) => {
    checkName(name, arg);
    const shown =
      (user !== undefined ? `${user}@` : '') +
      (port !== undefined ? (isIpv6(name) ? `[${name}]:${port}` : `${name}:${port}`) : name);
    const t: HostTarget = { host: shown, address: name };
    if (user !== undefined) t.user = user;
    if (port !== undefined) t.port = port;
    return t;
  });
}

/** Expand every word, keeping the first occurrence of each host. */
export function expandHostArgs(args: readonly string[]): HostTarget[] {
  return dedupeTargets(args.flatMap(expandHostArg));
}

export function dedupeTargets(targets: readonly HostTarget[]): HostTarget[] {
  const seen = new Set<string>();
  const out: HostTarget[] = [];
  for (const t of targets) {
    const key = `${t.user ?? ''}@${t.address}:${t.port ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

// ---- inventory ----------------------------------------------------------------------------

interface InvHost {
  name: string;
  vars: Map<string, unknown>;
  groups: string[];
}

function position(node: YamlNode | null | undefined, lc: LineCounter) {
  const off = node?.range?.[0];
  if (off === undefined) return { line: undefined, column: undefined };
  const p = lc.linePos(off);
  return { line: p.line, column: p.col };
}

/**
 * The hosts of an Ansible YAML inventory (Genestack's inventory.yaml): every host under
 * `all.hosts` and under any group's `hosts`, recursively through `children`, with
 * `ansible_host`, `ansible_port`, `ansible_user` from the host's own vars and its groups'
 * `vars` (the host's own win), and the groups it belongs to.
 */
export function parseInventory(text: string, source = 'inventory.yaml'): HostTarget[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = lc.linePos(e.pos[0]);
    throw new HostListError(
      `${source}:${p.line}:${p.col}: not valid YAML: ${e.message.split('\n')[0]}`,
      p.line,
      p.col,
    );
  }
  const root = doc.contents;
  const all = isMap(root) ? root.get('all', true) : undefined;
  if (!isMap(all)) {
    const { line, column } = position(root as YamlNode | null, lc);
    throw new HostListError(
      `${source}${line ? `:${line}:${column}` : ''}: no "all:" group at the top: is this an Ansible YAML inventory?`,
      line,
      column,
    );
  }
  const hosts = new Map<string, InvHost>();
  const order: string[] = [];

  const walkGroup = (
    name: string,
    group: unknown,
    inherited: Map<string, unknown>,
    path: string[],
  ) => {
    if (group === null || group === undefined || isScalar(group)) return;
    if (!isMap(group)) {
      const { line, column } = position(group as YamlNode, lc);
      throw new HostListError(
        `${source}${line ? `:${line}:${column}` : ''}: group "${name}" must be a mapping`,
        line,
        column,
      );
    }
    const vars = new Map(inherited);
    const gv = group.get('vars', true);
    if (isMap(gv)) for (const [k, v] of Object.entries(gv.toJSON() as object)) vars.set(k, v);
    const groupPath = [...path, name];
    const hs = group.get('hosts', true);
    if (isMap(hs)) {
      for (const item of hs.items) {
        const key = isScalar(item.key) ? String(item.key.value) : null;
        if (key === null) continue;
        let names: string[];
        try {
          names = expandBrackets(key);
        } catch (e) {
          const { line, column } = position(item.key as YamlNode, lc);
          throw new HostListError(
            `${source}${line ? `:${line}:${column}` : ''}: ${(e as Error).message}`,
            line,
            column,
          );
        }
        const own = isMap(item.value) ? (item.value.toJSON() as Record<string, unknown>) : {};
        for (const n of names) {
          let h = hosts.get(n);
          if (h === undefined) {
            h = { name: n, vars: new Map(), groups: [] };
            hosts.set(n, h);
            order.push(n);
          }
          // Group vars are defaults; a host's own vars win wherever they are written.
          for (const [k, v] of vars) if (!h.vars.has(`own:${k}`)) h.vars.set(k, v);
          for (const [k, v] of Object.entries(own)) {
            h.vars.set(k, v);
            h.vars.set(`own:${k}`, true);
          }
          for (const g of groupPath) if (g !== 'all' && !h.groups.includes(g)) h.groups.push(g);
        }
      }
    } else if (isSeq(hs)) {
      const { line, column } = position(hs as YamlNode, lc);
      throw new HostListError(
        `${source}${line ? `:${line}:${column}` : ''}: "hosts" of group "${name}" must be a mapping (host: vars), not a list`,
        line,
        column,
      );
    }
    const children = group.get('children', true);
    if (isMap(children)) {
      for (const item of children.items) {
        const key = isScalar(item.key) ? String(item.key.value) : null;
        if (key !== null) walkGroup(key, item.value, vars, groupPath);
      }
    }
  };
  walkGroup('all', all, new Map(), []);

  if (order.length === 0) {
    throw new HostListError(`${source}: the inventory lists no hosts (all.hosts is empty)`);
  }
  return order.map((n) => {
    const h = hosts.get(n)!;
    const str = (k: string) => {
      const v = h.vars.get(k);
      return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
    };
    const t: HostTarget = { host: n, address: str('ansible_host') ?? n, groups: h.groups };
    const port = str('ansible_port') ?? str('ansible_ssh_port');
    if (port !== undefined && /^\d+$/.test(port)) t.port = Number(port);
    const user = str('ansible_user') ?? str('ansible_ssh_user');
    if (user !== undefined && !user.includes('{{')) t.user = user;
    if (t.address.includes('{{')) t.address = n;
    checkName(t.address, `${n} (ansible_host ${t.address})`);
    return t;
  });
}
