// Output of assets/preflight.sh (after the probe's sections) -> PreflightFacts. Pure. Missing
// sections give null or empty values, which the checks report as unknown, never as a pass.
import { splitSections } from '../discovery/parse';
import type { BlockNode, DiskProbe, PeerResult, PreflightFacts, SudoFacts } from './types';

/** The script format this parser reads (`version=` in the pf section). */
export const PREFLIGHT_SCRIPT_VERSION = 1;

function keyValues(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

function int(v: string | undefined): number | null {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
}

const SUDO_MODES = new Set(['root', 'sudo', 'off', 'missing', 'denied']);

function parseSudo(text: string | undefined): SudoFacts {
  const kv = keyValues(text);
  const mode = kv.get('mode');
  return {
    mode: mode !== undefined && SUDO_MODES.has(mode) ? (mode as SudoFacts['mode']) : null,
    uid: int(kv.get('uid')),
    message: kv.get('message') || null,
  };
}

function parseTmp(text: string | undefined): PreflightFacts['tmp'] {
  const line = (text ?? '').split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return null;
  const [target, options] = line.trim().split(/\s+/);
  if (!target || !options) return null;
  return { target, options: options.split(',') };
}

function parseRuntime(text: string | undefined): PreflightFacts['runtime'] {
  const kv = keyValues(text);
  const path = kv.get('path');
  if (path === undefined) return null;
  // df -P: filesystem, 1024-blocks, used, available, capacity, mounted on
  const avail = int(kv.get('df')?.split(/\s+/)[3]);
  return { path, freeBytes: avail === null ? null : avail * 1024 };
}

function parseDns(text: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of (text ?? '').split('\n')) {
    const [name, ...addrs] = line.trim().split(/\s+/);
    if (!name) continue;
    out.set(
      name,
      addrs.filter((a) => a !== '-' && a !== ''),
    );
  }
  return out;
}

const PEER_RESULTS = new Set(['open', 'closed', 'timeout', 'untested']);

function parsePeers(text: string | undefined): PeerResult[] {
  const out: PeerResult[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [address, port, result, tool] = line.trim().split(/\s+/);
    if (!address || !port || !result || !PEER_RESULTS.has(result)) continue;
    out.push({
      address,
      port: Number(port),
      result: result as PeerResult['result'],
      tool: tool ?? 'none',
    });
  }
  return out;
}

function str(v: unknown): string | null {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}

function toNode(v: unknown): BlockNode | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const name = str(o.name);
  if (name === null) return null;
  const size = typeof o.size === 'number' ? o.size : int(str(o.size) ?? undefined);
  return {
    name,
    path: str(o.path),
    type: str(o.type) ?? 'unknown',
    sizeBytes: size,
    serial: str(o.serial),
    fstype: str(o.fstype),
    pttype: str(o.pttype),
    mountpoint: str(o.mountpoint),
    children: Array.isArray(o.children)
      ? o.children.map(toNode).filter((c): c is BlockNode => c !== null)
      : [],
  };
}

function parseLsblk(text: string | undefined): BlockNode | null {
  if (text === undefined || text.trim() === '') return null;
  try {
    const j = JSON.parse(text) as { blockdevices?: unknown[] };
    return Array.isArray(j.blockdevices) ? toNode(j.blockdevices[0]) : null;
  } catch {
    return null;
  }
}

/** wipefs -p -i: "offset,uuid,label,type" per signature, then our "exit=N". */
function parseWipefs(
  text: string | undefined,
): Pick<DiskProbe, 'signatures' | 'signaturesRead' | 'signaturesError'> {
  const lines = (text ?? '').split('\n').filter((l) => l.trim() !== '');
  const exit = lines.find((l) => l.startsWith('exit='))?.slice(5) ?? null;
  const signatures = lines
    .filter((l) => /^0x[0-9a-f]+,/i.test(l))
    .map((l) => l.split(',').slice(3).join(',').trim())
    .filter((t) => t !== '');
  const errors = lines.filter((l) => !l.startsWith('exit=') && !/^0x[0-9a-f]+,/i.test(l));
  const read = exit === '0';
  return {
    signatures,
    signaturesRead: read,
    signaturesError: read
      ? null
      : exit === 'missing'
        ? 'wipefs is not installed'
        : (errors[0]?.trim() ?? (exit === null ? 'no answer' : `wipefs exited ${exit}`)),
  };
}

function parseDisks(sections: Map<string, string>): DiskProbe[] {
  const out: DiskProbe[] = [];
  for (let i = 0; sections.has(`pf-disk-${i}`); i++) {
    const kv = keyValues(sections.get(`pf-disk-${i}`));
    const exists = kv.get('exists') === 'yes';
    out.push({
      path: kv.get('path') ?? '',
      exists,
      real: kv.get('real') ?? null,
      device: exists ? parseLsblk(sections.get(`pf-disk-${i}-lsblk`)) : null,
      ...(exists
        ? parseWipefs(sections.get(`pf-disk-${i}-wipefs`))
        : { signatures: [], signaturesRead: false, signaturesError: null }),
      privileged: kv.get('privileged') === 'yes',
      udev: kv.get('udev') === 'yes',
    });
  }
  return out;
}

export function parsePreflightOutput(text: string): PreflightFacts {
  const { sections } = splitSections(text);
  const version = int(keyValues(sections.get('pf')).get('version'));
  return {
    scriptVersion: version,
    complete: text.includes('==> gsi:pf-end <=='),
    sudo: parseSudo(sections.get('pf-sudo')),
    tmp: parseTmp(sections.get('pf-tmp')),
    runtime: parseRuntime(sections.get('pf-runtime')),
    dns: parseDns(sections.get('pf-dns')),
    peers: parsePeers(sections.get('pf-peers')),
    disks: parseDisks(sections),
  };
}
