// `genestack-installer discover HOST...`: what each host is, judged against what Genestack
// needs. A readable table by default, the full facts with --json (an array, one object per
// host: other tools read it). Exit 3 when any host could not be discovered.
import { readFile } from 'node:fs/promises';
import { EXIT } from '../exitCodes';
import { builtinRequirements, PROBE_SCRIPT } from '../discovery/assets';
import {
  DEFAULT_HOST_TIMEOUT_MS,
  DEFAULT_JOBS,
  DEFAULT_JOBS_VIA_JUMP,
  discoverAll,
  discoverLocal,
  discoverOne,
} from '../discovery/discover';
import { formatBytes } from '../discovery/eligibility';
import {
  expandHostArgs,
  dedupeTargets,
  HostListError,
  parseInventory,
} from '../discovery/hostList';
import { providerInterfaceCandidates } from '../discovery/providerInterfaces';
import {
  checkHost,
  LEVELS,
  osdPolicy,
  ROLE_KEYS,
  worst,
  type Level,
  type RoleKey,
  type RoleVerdict,
} from '../discovery/requirements';
import { recordHostKeys, type SshOptions } from '../discovery/ssh';
import type { HostFailed, HostOk, HostResult, HostTarget } from '../discovery/types';
import { saveDiscovery } from '../bundle/discoveryStore';
import { resolveStateDir } from '../engine/stateDir';
import { UserError, intFlag, type CommandIO } from './io';

export interface DiscoverCommandOptions {
  inventory?: string;
  user?: string;
  port?: number | string;
  key?: string;
  jump?: string;
  jobs?: number | string;
  acceptNewHostKeys?: boolean;
  json?: boolean;
  knownHostsFile?: string;
  timeoutSeconds?: number | string;
  /** Also discover the bastion itself (locally, no SSH). */
  bastion?: boolean;
  /** Requirement level the table judges against. Default lab. */
  level?: string;
  /** Where the facts are saved for a later support bundle (--state-dir; default as `deploy`). */
  stateDir?: string;
  /**
   * Save the facts in the state directory. The command line sets it (`--no-save` clears it);
   * callers in code (tests, the benchmark) save nothing unless they ask.
   */
  save?: boolean;
  /** Injected by tests and the benchmark; default the shipped assets/probe.sh. */
  probeScript?: string;
  /** Injected by tests: the ssh binary. */
  sshBinary?: string;
  /** Injected by tests: where control sockets go. */
  controlDir?: string;
}

/** The machine's own minimum (reference §1.5: host_setup fails below 6.8). */
const KERNEL_MIN: [number, number] = [6, 8];

async function readInventory(file: string): Promise<HostTarget[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read the inventory ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      EXIT.invalid,
    );
  }
  try {
    return parseInventory(text, file);
  } catch (e) {
    if (e instanceof HostListError) throw new UserError(e.message, EXIT.invalid);
    throw e;
  }
}

export interface JsonHost {
  host: string;
  address: string;
  bastion?: boolean;
  status: HostResult['status'];
  durationMs: number;
  error?: string;
  fix?: string;
  stderr?: string;
  hostKeys?: HostFailed['hostKeys'];
  groups?: string[];
  facts?: HostOk['facts'];
  warnings?: string[];
  requirements?: { level: Level; status: string; roles: RoleVerdict[] };
}

function rolesOf(t: HostTarget): RoleKey[] {
  return (t.groups ?? []).filter((g): g is RoleKey => (ROLE_KEYS as readonly string[]).includes(g));
}

function kernelOld(r: HostOk): boolean {
  const v = r.facts.kernel.version;
  return v !== null && (v[0] < KERNEL_MIN[0] || (v[0] === KERNEL_MIN[0] && v[1] < KERNEL_MIN[1]));
}

// ---- table --------------------------------------------------------------------------------

const COLOURS = { red: 31, green: 32, yellow: 33, dim: 2 } as const;

function table(
  rows: string[][],
  colour: (cell: string, row: number, col: number) => string,
): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r, i) =>
      r
        .map((cell, c) => {
          const padded = c === r.length - 1 ? cell : cell.padEnd(widths[c]!);
          return colour(padded, i, c);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

interface Judged {
  result: HostResult;
  bastion: boolean;
  verdicts: RoleVerdict[];
}

function renderTable(judged: Judged[], level: Level, tty: boolean): string {
  const paint = (s: string, c: keyof typeof COLOURS) =>
    tty ? `\x1b[${COLOURS[c]}m${s}\x1b[0m` : s;
  const header = [
    'HOST',
    'STATUS',
    'CPUS',
    'MEMORY',
    'DISKS OK/ALL',
    'NICS',
    'KERNEL',
    `CHECKS (${level})`,
  ];
  const rows: string[][] = [header];
  for (const { result: r, bastion, verdicts } of judged) {
    const name = bastion ? `${r.host} (bastion)` : r.host;
    if (r.status !== 'ok') {
      rows.push([name, r.status, '-', '-', '-', '-', '-', '-']);
      continue;
    }
    const f = r.facts;
    const eligible = f.disks.filter((d) => d.eligible).length;
    // The bastion is the deployment host, not a node: its facts are shown, not judged.
    const status = verdicts.length ? worst(verdicts.map((v) => v.status)) : '-';
    const failing = [
      ...new Set(
        verdicts.flatMap((v) => v.checks.filter((c) => c.status !== 'pass').map((c) => c.id)),
      ),
    ];
    rows.push([
      name,
      'ok',
      f.cpu.threads === null ? '?' : String(f.cpu.threads),
      formatBytes(f.memory.totalBytes),
      `${eligible}/${f.disks.length}`,
      String(f.nics.filter((n) => n.kind !== 'loopback').length),
      `${f.kernel.release ?? '?'}${kernelOld(r) ? ' (<6.8)' : ''}`,
      failing.length ? `${status}: ${failing.join(', ')}` : status,
    ]);
  }
  return table(rows, (cell, row, col) => {
    if (row === 0) return tty ? paint(cell, 'dim') : cell;
    const j = judged[row - 1]!;
    if (col === 1) return paint(cell, j.result.status === 'ok' ? 'green' : 'red');
    if (col === 6 && j.result.status === 'ok' && kernelOld(j.result)) return paint(cell, 'red');
    if (col === 7 && cell.startsWith('fail')) return paint(cell, 'red');
    if (col === 7 && cell.startsWith('warning')) return paint(cell, 'yellow');
    return cell;
  });
}

function renderDetails(judged: Judged[]): string {
  const out: string[] = [];
  for (const { result: r, bastion, verdicts } of judged) {
    const name = bastion ? `${r.host} (bastion)` : r.host;
    if (r.status !== 'ok') {
      out.push(`${name}: ${r.status}: ${r.error}`);
      for (const k of r.hostKeys ?? []) out.push(`  host key ${k.type} ${k.fingerprint}`);
      if (r.status === 'probeFailed' && r.stderr) {
        for (const l of r.stderr.split('\n').slice(-5)) out.push(`  stderr: ${l}`);
      }
      out.push(`  fix: ${r.fix}`);
      continue;
    }
    const lines: string[] = [];
    for (const v of verdicts) {
      for (const c of v.checks) {
        if (c.status === 'pass') continue;
        lines.push(`  ${c.status} [${v.role}] ${c.message}`, `    fix: ${c.fix}`);
      }
    }
    for (const w of r.warnings) lines.push(`  note: ${w}`);
    const notEligible = r.facts.disks.filter((d) => !d.eligible);
    for (const d of r.facts.disks.filter((x) => x.eligible)) {
      lines.push(
        `  disk ${d.name} ${formatBytes(d.sizeBytes)} eligible for an OSD (${d.byId ?? d.path})`,
      );
    }
    for (const d of notEligible) {
      lines.push(
        `  disk ${d.name} ${formatBytes(d.sizeBytes)} not eligible: ${d.reasons.join('; ')}`,
      );
    }
    if (lines.length) out.push(`${name}:`, ...lines);
  }
  return out.join('\n');
}

// ---- command ------------------------------------------------------------------------------

/**
 * Keeps the facts in the state directory for a later support bundle. Discovery itself has
 * succeeded by now: a state directory that cannot be written is a note, not a failure.
 */
function saveFacts(out: JsonHost[], stateDirFlag: string | undefined, io: CommandIO): void {
  try {
    saveDiscovery(resolveStateDir({ flag: stateDirFlag }), out);
  } catch (e) {
    io.err(`note: the facts were not saved for a support bundle: ${(e as Error).message}\n`);
  }
}

export async function runDiscover(
  hostArgs: string[],
  opts: DiscoverCommandOptions,
  io: CommandIO,
): Promise<number> {
  try {
    return await discoverCommand(hostArgs, opts, io);
  } catch (e) {
    if (e instanceof UserError) {
      io.err(`error: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof HostListError) {
      io.err(`error: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

async function discoverCommand(
  hostArgs: string[],
  opts: DiscoverCommandOptions,
  io: CommandIO,
): Promise<number> {
  const port = intFlag(opts.port, '--port', 1, 65535);
  const explicitJobs = intFlag(opts.jobs, '--jobs', 1, 1024);
  const timeoutSeconds = intFlag(opts.timeoutSeconds, '--timeout', 1, 3600);
  const level = (opts.level ?? 'lab') as Level;
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new UserError(
      `--level must be one of ${LEVELS.join(', ')} (got "${opts.level}")`,
      EXIT.usage,
    );
  }
  let targets = expandHostArgs(hostArgs);
  if (opts.inventory !== undefined) {
    targets = dedupeTargets([...targets, ...(await readInventory(opts.inventory))]);
  }
  if (targets.length === 0 && !opts.bastion) {
    throw new UserError(
      'no hosts given: name them (node01 10.0.0.11-13 node[01:03].example.com), or pass --inventory FILE',
      EXIT.usage,
    );
  }

  const ssh: SshOptions = {};
  if (opts.user !== undefined) ssh.user = opts.user;
  if (port !== undefined) ssh.port = port;
  if (opts.key !== undefined) ssh.identityFile = opts.key;
  if (opts.jump !== undefined) ssh.proxyJump = opts.jump;
  if (opts.knownHostsFile !== undefined) ssh.knownHostsFile = opts.knownHostsFile;
  if (opts.acceptNewHostKeys) ssh.acceptNewHostKeys = true;
  if (opts.sshBinary !== undefined) ssh.sshBinary = opts.sshBinary;
  if (opts.controlDir !== undefined) ssh.controlDir = opts.controlDir;
  const jobs = explicitJobs ?? (ssh.proxyJump ? DEFAULT_JOBS_VIA_JUMP : DEFAULT_JOBS);
  const requirements = builtinRequirements();
  const discoverOpts = {
    probeScript: opts.probeScript ?? PROBE_SCRIPT,
    ssh,
    jobs,
    timeoutMs: timeoutSeconds !== undefined ? timeoutSeconds * 1000 : DEFAULT_HOST_TIMEOUT_MS,
    osdPolicy: osdPolicy(requirements),
  };

  const progress = io.isTTY && !opts.json;
  let done = 0;
  const bastionPromise = opts.bastion ? discoverLocal(discoverOpts) : null;
  const results = await discoverAll(targets, discoverOpts, (e) => {
    if (!progress || e.type !== 'host-done') return;
    done++;
    io.err(
      `[${done}/${targets.length}] ${e.host}: ${e.result.status} (${(e.result.durationMs / 1000).toFixed(1)} s)\n`,
    );
  });

  // Unknown host keys: show the fingerprint and let the user accept it (never in scripts:
  // there --accept-new-host-keys says so up front).
  if (io.isTTY && !opts.json && !opts.acceptNewHostKeys) {
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.status !== 'hostKeyUnknown' || !r.hostKeys?.length) continue;
      io.err(`\nThe host key of ${r.host} is not known. It offers:\n`);
      for (const k of r.hostKeys) io.err(`  ${k.type.padEnd(8)} ${k.fingerprint}\n`);
      if (!(await io.confirm(`Trust ${r.host} with these keys?`))) continue;
      const file = await recordHostKeys(r.target, r.hostKeys, ssh);
      io.err(`recorded in ${file}\n`);
      results[i] = await discoverOne(r.target, discoverOpts);
    }
  }

  const judged: Judged[] = [];
  const all: { result: HostResult; bastion: boolean }[] = results.map((r) => ({
    result: r,
    bastion: false,
  }));
  if (bastionPromise) all.unshift({ result: await bastionPromise, bastion: true });
  for (const { result, bastion } of all) {
    const verdicts =
      result.status === 'ok' && !bastion
        ? checkHost(result.facts, rolesOf(result.target), level, requirements)
        : [];
    judged.push({ result, bastion, verdicts });
  }

  const out: JsonHost[] = judged.map(({ result: r, bastion, verdicts }) => {
    const base: JsonHost = {
      host: r.host,
      address: r.target.address,
      status: r.status,
      durationMs: r.durationMs,
    };
    if (bastion) base.bastion = true;
    if (r.target.groups) base.groups = r.target.groups;
    if (r.status === 'ok') {
      base.facts = r.facts;
      base.warnings = r.warnings;
      if (!bastion) {
        base.requirements = {
          level,
          status: worst(verdicts.map((v) => v.status)),
          roles: verdicts,
        };
      }
    } else {
      base.error = r.error;
      base.fix = r.fix;
      base.stderr = r.stderr;
      if (r.hostKeys) base.hostKeys = r.hostKeys;
    }
    return base;
  });
  if (opts.save === true) saveFacts(out, opts.stateDir, io);
  if (opts.json) {
    io.out(JSON.stringify(out, null, 2) + '\n');
  } else {
    io.out(renderTable(judged, level, io.isTTY) + '\n');
    const details = renderDetails(judged);
    if (details) io.out('\n' + details + '\n');
    const ok = judged.filter((j) => j.result.status === 'ok' && !j.bastion);
    if (ok.length > 0) {
      const usable = providerInterfaceCandidates(
        ok.map((j) => ({ host: j.result.host, facts: (j.result as HostOk).facts })),
      ).filter((c) => c.usable);
      io.out(
        `\nProvider (OVN) interface candidates, up with no address on every host: ${
          usable.length ? usable.map((c) => c.name).join(', ') : 'none'
        }\n`,
      );
    }
    const failedCount = judged.filter((j) => j.result.status !== 'ok').length;
    io.out(
      `\n${judged.length} host${judged.length === 1 ? '' : 's'}: ${judged.length - failedCount} discovered, ${failedCount} failed\n`,
    );
  }
  return judged.some((j) => j.result.status !== 'ok') ? EXIT.discoveryFailed : EXIT.ok;
}
