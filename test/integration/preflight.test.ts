// Preflight against real sshd processes on loopback addresses (test/helpers/sshFleet.ts), every
// host on one port as a profile has one ssh.port. The "hosts" are this machine, so what a check
// should find is read from this machine (its probe facts, `ip -j addr`, lsblk, df), never
// hard-coded. Cases: a passing profile, a missing provider interface, a provider interface with
// an address, OSD disks on a real loop device (size or serial changed, data, acknowledged wipe,
// a path that does not exist), an unreachable host, a non-root session without sudo, an unknown
// host key, the --json document and the exit codes 0/5 (in process and through the bundle).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/commands/io';
import { runPreflightCommand } from '../../src/commands/preflight';
import { builtinRequirements, PROBE_SCRIPT } from '../../src/discovery/assets';
import { discoverLocal } from '../../src/discovery/discover';
import { countUsableNics, type Requirements } from '../../src/discovery/requirements';
import type { HostFacts } from '../../src/discovery/types';
import { EXIT } from '../../src/exitCodes';
import { builtinPreflightConfig } from '../../src/preflight/assets';
import type { PreflightConfig } from '../../src/preflight/config';
import type { HostReport, PreflightCheck, PreflightReport } from '../../src/preflight/types';
import { runCli } from '../helpers/cli';
import { startSshFleet, type SshFleet } from '../helpers/sshFleet';

const GiB = 1024 ** 3;
const NOBODY = 3; // a session that runs as uid 65534: not root, no sudo
let fleet: SshFleet;
let port: number;
let facts: HostFacts;
let requirements: Requirements;
let config: PreflightConfig;
let providerIface: string;
let mgmtIface: string;
let addressIface: string;
let addressOf: string;
let dir: string;

async function freeOn(address: string, p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: address, port: p, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Move every fleet host to one port (a profile has a single ssh.port); retried on a race. */
async function onePort(f: SshFleet): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const p = 20000 + Math.floor(Math.random() * 40000);
    const free = await Promise.all(f.hosts.map((h) => freeOn(h.address, p)));
    if (!free.every(Boolean)) continue;
    for (const h of f.hosts) {
      await f.stopHost(h.index);
      h.port = p;
      h.knownHostsLine = `[${h.address}]:${p} ${h.hostPublicKey}`;
      await f.startHost(h.index);
    }
    if (f.hosts.every((h) => h.port === p)) {
      await f.writeKnownHosts(f.knownHostsFile);
      return p;
    }
  }
  throw new Error('could not find one port free on every fleet address');
}

/** The built-in requirements with the thresholds this machine itself meets. */
function machineRequirements(f: HostFacts): Requirements {
  const req = structuredClone(builtinRequirements());
  const v = f.kernel.version!;
  for (const spec of Object.values(req.levels.lab.roles)) {
    const exact = (n: number) => ({ min: n, recommended: n });
    if (spec.cpuThreads) spec.cpuThreads = exact(f.cpu.threads!);
    if (spec.memoryGiB) spec.memoryGiB = exact(f.memory.totalBytes! / GiB);
    if (spec.nics) spec.nics = exact(countUsableNics(f.nics));
    if (spec.osdDisks) spec.osdDisks = exact(f.disks.filter((d) => d.eligible).length);
    // Other tests write files meanwhile: half of what is free now.
    if (spec.varLibFreeGiB) spec.varLibFreeGiB = exact(f.filesystems.varLibFreeBytes! / GiB / 2);
    if (spec.kernel) spec.kernel = { min: `${v[0]}.${v[1]}` };
    if (spec.arch) spec.arch = { allowed: [f.arch!], severity: 'warning' };
  }
  return req;
}

interface IfaceRow {
  ifname: string;
  addr_info?: { local: string; prefixlen: number }[];
}

beforeAll(async () => {
  fleet = await startSshFleet({
    count: 4,
    hostOptions: (i) =>
      i === NOBODY
        ? {
            forceCommand: 'exec setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -s',
          }
        : {},
  });
  port = await onePort(fleet);
  dir = fleet.dir;
  const local = await discoverLocal({ probeScript: PROBE_SCRIPT });
  if (local.status !== 'ok') throw new Error(`local probe failed: ${local.error}`);
  facts = local.facts;
  requirements = machineRequirements(facts);
  const free = facts.filesystems.varLibFreeBytes! / GiB / 2;
  const base = builtinPreflightConfig();
  config = {
    ...base,
    containerRuntime: {
      ...base.containerRuntime,
      levels: {
        ...base.containerRuntime.levels,
        lab: { minFreeGiB: free, recommendedFreeGiB: free },
      },
    },
  };
  const ip = JSON.parse(execFileSync('ip', ['-j', 'addr'], { encoding: 'utf8' })) as IfaceRow[];
  const v4 = (r: IfaceRow) => (r.addr_info ?? []).filter((a) => !a.local.startsWith('fe80:'));
  mgmtIface = ip.find((r) => v4(r).some((a) => a.local.startsWith('127.')))!.ifname;
  const other = ip.find((r) => r.ifname !== mgmtIface && v4(r).length > 0);
  if (!other) throw new Error('this machine has no second interface with an address');
  addressIface = other.ifname;
  addressOf = `${other.addr_info!.find((a) => !a.local.startsWith('fe80:'))!.local}/${other.addr_info!.find((a) => !a.local.startsWith('fe80:'))!.prefixlen}`;
  const bare = ip.find((r) => r.ifname !== 'lo' && v4(r).length === 0);
  if (!bare) {
    throw new Error(
      'this machine has no interface without an address to use as the provider interface ' +
        '(create one: ip link add gsi-pf0 type dummy)',
    );
  }
  providerIface = bare.ifname;
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
});

function profileText(o: {
  hosts: { name: string; address: string; osdDisks?: unknown[] }[];
  provider?: string;
  user?: string;
  ceph?: boolean;
}): string {
  const doc = {
    apiVersion: 'genestack-installer/v1',
    kind: 'Profile',
    metadata: { name: 'pf-test' },
    topology: 'hyperconverged',
    ssh: { user: o.user ?? fleet.user, port, identityFile: fleet.clientKey, become: true },
    hosts: o.hosts,
    network: {
      managementInterface: mgmtIface,
      providerInterface: o.provider ?? providerIface,
      managementCidr: '127.0.0.0/8',
      metallb: { primary: ['127.0.0.200-127.0.0.210'], gatewayVip: '127.0.0.250' },
      gateway: { domain: 'preflight.test' },
    },
    storage: o.ceph
      ? { backend: 'rook-ceph', rookCeph: { allowFewerHosts: true } }
      : { backend: 'longhorn' },
  };
  return JSON.stringify(doc, null, 2);
}

let seq = 0;
function writeProfile(o: Parameters<typeof profileText>[0]): string {
  const file = join(dir, `profile-${seq++}.yaml`);
  writeFileSync(file, profileText(o));
  return file;
}

const host = (i: number, extra: Record<string, unknown> = {}) => ({
  name: `pf-${i}.preflight.test`,
  address: fleet.hosts[i]!.address,
  ...extra,
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const c: CommandIO = {
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
    isTTY: false,
    confirm: async () => false,
  };
  return { c, out: () => out.join(''), err: () => err.join('') };
}

async function preflight(
  file: string,
  extra: { knownHostsFile?: string } = {},
): Promise<{ code: number; report: PreflightReport; text: string }> {
  const j = io();
  const code = await runPreflightCommand(
    file,
    {
      json: true,
      knownHostsFile: extra.knownHostsFile ?? fleet.knownHostsFile,
      requirements,
      config,
      timeoutSeconds: 30,
    },
    j.c,
  );
  return { code, report: JSON.parse(j.out()) as PreflightReport, text: j.out() };
}

function check(h: HostReport, id: string, subject?: string): PreflightCheck {
  const c = h.checks.find((x) => x.id === id && (subject === undefined || x.subject === subject));
  if (!c) throw new Error(`${h.host} has no ${id} check: ${JSON.stringify(h.checks)}`);
  return c;
}

describe('a profile whose hosts pass', () => {
  it('every check passes or warns with a fix, exit 0, and --json is one document', async () => {
    const { code, report } = await preflight(writeProfile({ hosts: [host(0), host(1), host(2)] }));
    expect(report.status).not.toBe('fail');
    expect(code).toBe(EXIT.ok);
    expect(report).toMatchObject({ version: 1, profile: 'pf-test', level: 'lab' });
    expect(report.hosts.map((h) => h.address)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    const all = report.hosts.flatMap((h) => h.checks);
    expect(report.summary).toEqual({
      hosts: 3,
      pass: all.filter((c) => c.status === 'pass').length,
      warning: all.filter((c) => c.status === 'warning').length,
      fail: 0,
    });
    for (const h of report.hosts) {
      expect(h.checks.map((c) => c.id)).toEqual([
        'ssh',
        'sudo',
        'kernel',
        'hardware',
        'management-interface',
        'provider-interface',
        'reachability',
        'time-sync',
        'dns',
        'tmp-exec',
        'container-disk',
      ]);
      for (const c of h.checks) if (c.status !== 'pass') expect(c.fix, c.id).not.toBe('');
      expect(check(h, 'ssh').status).toBe('pass');
      expect(check(h, 'sudo')).toMatchObject({
        status: 'pass',
        message: 'connected as root: no sudo needed',
      });
      expect(check(h, 'kernel').status).toBe('pass');
      expect(check(h, 'hardware').status).not.toBe('fail');
      expect(check(h, 'management-interface')).toMatchObject({
        status: 'pass',
        message: `${mgmtIface} carries ${h.address}`,
      });
      // The machine's own address-less interface: up -> pass, down -> a warning to bring it up.
      const prov = facts.nics.find((n) => n.name === providerIface)!;
      expect(check(h, 'provider-interface').status).toBe(prov.state === 'up' ? 'pass' : 'warning');
      expect(check(h, 'reachability')).toMatchObject({
        status: 'pass',
        message: `reaches all 2 other host(s) on port ${port}`,
      });
      expect(check(h, 'time-sync').status).toBe(facts.timeSync.synchronized ? 'pass' : 'warning');
      // .test names never resolve (RFC 2606): a warning, as Kubespray writes /etc/hosts itself.
      expect(check(h, 'dns')).toMatchObject({ status: 'warning' });
      expect(check(h, 'dns').message).toContain('pf-0.preflight.test');
      expect(check(h, 'tmp-exec').status).toBe(facts.filesystems.tmpNoexec ? 'fail' : 'pass');
      expect(check(h, 'container-disk').status).toBe('pass');
    }
  }, 60_000);

  it('the thresholds are real: at production level the same hosts fail their hardware check', async () => {
    const j = io();
    const code = await runPreflightCommand(
      writeProfile({ hosts: [host(0)] }),
      {
        json: true,
        level: 'production',
        knownHostsFile: fleet.knownHostsFile,
        requirements: (() => {
          const r = structuredClone(requirements);
          r.levels.production.roles.all!.cpuThreads = {
            min: facts.cpu.threads! + 1,
            recommended: facts.cpu.threads! + 1,
          };
          return r;
        })(),
        config,
      },
      j.c,
    );
    const report = JSON.parse(j.out()) as PreflightReport;
    const hw = check(report.hosts[0]!, 'hardware');
    expect(hw.status).toBe('fail');
    expect(hw.message).toContain(
      `${facts.cpu.threads} CPU threads; every host needs ${facts.cpu.threads! + 1}`,
    );
    expect(hw.fix).toContain('add CPUs');
    expect(code).toBe(EXIT.preflightFailed);
  }, 60_000);
});

describe('interfaces', () => {
  it('a missing provider interface fails with the fix', async () => {
    const { code, report } = await preflight(
      writeProfile({ hosts: [host(0), host(1)], provider: 'gsi-missing0' }),
    );
    expect(code).toBe(EXIT.preflightFailed);
    for (const h of report.hosts) {
      const c = check(h, 'provider-interface');
      expect(c.status).toBe('fail');
      expect(c.message).toMatch(/^no interface gsi-missing0 \(the host has: /);
      expect(c.message).toContain(providerIface);
      expect(c.fix).toContain('network.providerInterface');
      expect(h.status).toBe('fail');
    }
  }, 60_000);

  it('a provider interface that carries an address fails', async () => {
    const { code, report } = await preflight(
      writeProfile({ hosts: [host(0)], provider: addressIface }),
    );
    expect(code).toBe(EXIT.preflightFailed);
    const c = check(report.hosts[0]!, 'provider-interface');
    expect(c.status).toBe('fail');
    expect(c.message).toContain(`${addressIface} carries ${addressOf}`);
    expect(c.fix).toContain(`remove the address from ${addressIface}`);
  }, 60_000);
});

describe('an unreachable host', () => {
  it('fails that host only; the others warn that they cannot reach it either', async () => {
    await fleet.stopHost(2);
    try {
      const { code, report } = await preflight(
        writeProfile({ hosts: [host(0), host(1), host(2)] }),
      );
      expect(code).toBe(EXIT.preflightFailed);
      const [a, b, c] = report.hosts;
      expect(c!.status).toBe('fail');
      expect(c!.checks).toHaveLength(1);
      expect(check(c!, 'ssh')).toMatchObject({ status: 'fail' });
      expect(check(c!, 'ssh').message).toMatch(/^connectionRefused: connection refused on port/);
      expect(check(c!, 'ssh').fix).toContain('start sshd');
      for (const h of [a!, b!]) {
        expect(h.status).not.toBe('fail');
        const r = check(h, 'reachability');
        expect(r.status).toBe('warning');
        expect(r.message).toContain('pf-2.preflight.test');
        expect(r.message).toContain('which the bastion cannot reach either');
      }
    } finally {
      await fleet.startHost(2);
    }
  }, 60_000);

  it('an address with no sshd at all: that host fails, its peer only warns', async () => {
    const { report } = await preflight(
      writeProfile({ hosts: [host(0), { name: 'pf-9.preflight.test', address: '127.0.0.249' }] }),
    );
    const r = check(report.hosts[0]!, 'reachability');
    // The bastion cannot reach 127.0.0.249 either (its ssh check fails), so this is a warning.
    // A peer the bastion reaches but a host does not (a fail for that host) needs a firewall
    // between loopback addresses; it is tested on the pure function
    // (test/unit/preflight.checks.test.ts).
    expect(r.status).toBe('warning');
    expect(report.hosts[1]!.status).toBe('fail');
  }, 60_000);
});

describe('sudo', () => {
  it('a non-root session without passwordless sudo fails the sudo check', async () => {
    const { code, report } = await preflight(writeProfile({ hosts: [host(NOBODY)] }));
    expect(code).toBe(EXIT.preflightFailed);
    const c = check(report.hosts[0]!, 'sudo');
    expect(c.status).toBe('fail');
    const hasSudo = existsSync('/usr/bin/sudo') || existsSync('/bin/sudo');
    expect(c.message).toMatch(
      hasSudo ? /^sudo -n true failed for / : /is not root and sudo is not installed$/,
    );
    expect(c.fix).toContain('passwordless sudo');
  }, 60_000);
});

describe('host keys', () => {
  it('an unknown host key fails the ssh check with its fingerprint, never accepted silently', async () => {
    const kh = join(dir, 'known_hosts_empty');
    writeFileSync(kh, '');
    const { code, report } = await preflight(writeProfile({ hosts: [host(0)] }), {
      knownHostsFile: kh,
    });
    expect(code).toBe(EXIT.preflightFailed);
    const c = check(report.hosts[0]!, 'ssh');
    expect(c.message).toMatch(/^hostKeyUnknown: /);
    expect(c.message).toContain(fleet.hosts[0]!.fingerprint);
    expect(c.fix).toContain('--accept-new-host-keys');
  }, 60_000);
});

describe('OSD disks on a real loop device', () => {
  let loop: string;
  let img: string;
  let byId: string;
  let links: string[] = [];
  let size: number;
  const linkDir = '/dev/disk/by-id';
  let createdLinkDir = false;

  beforeAll(() => {
    // A loop device and a /dev/disk/by-id link to it stand in for a disk (this machine has no
    // udev to make the link). Needs root, as the fleet's CI does.
    img = join(dir, 'osd.img');
    execFileSync('truncate', ['-s', '64M', img]);
    loop = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
    size = Number(execFileSync('blockdev', ['--getsize64', loop], { encoding: 'utf8' }).trim());
    if (!existsSync(linkDir)) {
      mkdirSync(linkDir, { recursive: true });
      createdLinkDir = true;
    }
    // Profiles list a disk once: more names of the same device stand in for other choices.
    links = ['a', 'b', 'c'].map((x) => join(linkDir, `gsi-preflight-test-${process.pid}-${x}`));
    for (const l of links) symlinkSync(loop, l);
    byId = links[0]!;
  });

  afterAll(() => {
    for (const l of links) rmSync(l, { force: true });
    if (createdLinkDir) rmSync('/dev/disk', { recursive: true, force: true });
    if (loop) execFileSync('losetup', ['-d', loop]);
  });

  const disks = (entries: unknown[]) =>
    writeProfile({ hosts: [host(0, { osdDisks: entries })], ceph: true });
  const disk = (r: PreflightReport, path: string) => check(r.hosts[0]!, 'osd-disk', path);

  it('the same blank disk passes; a changed size or serial fails; a missing path fails', async () => {
    const missing = '/dev/disk/by-id/gsi-preflight-no-such-disk';
    const { report } = await preflight(
      disks([
        { path: links[0], sizeBytes: size, serial: '' },
        { path: links[1], sizeBytes: size + 4096, serial: '' },
        { path: links[2], sizeBytes: size, serial: 'S3Z9NB0K123456' },
        missing,
      ]),
    );
    const c = report.hosts[0]!.checks.filter((x) => x.id === 'osd-disk');
    expect(c.map((x) => x.status)).toEqual(['pass', 'fail', 'fail', 'fail']);
    expect(c[0]!.message).toContain(`(${loop})`);
    expect(c[1]!.message).toContain(
      `is not the disk that was chosen: size ${size} bytes, recorded ${size + 4096}`,
    );
    expect(c[2]!.message).toContain('serial none, recorded S3Z9NB0K123456');
    expect(c[1]!.fix).toContain('choose the disk anew');
    expect(c[3]).toMatchObject({ subject: missing, status: 'fail' });
    expect(c[3]!.message).toBe(
      `${missing} does not exist on this host: the disk was removed, replaced or renamed`,
    );
  }, 60_000);

  it('a disk that holds data fails unless its wipe was acknowledged', async () => {
    execFileSync('mkfs.ext4', ['-q', '-F', loop]);
    try {
      const { code, report } = await preflight(
        disks([{ path: byId, sizeBytes: size, serial: '' }]),
      );
      expect(code).toBe(EXIT.preflightFailed);
      expect(disk(report, byId)).toMatchObject({ status: 'fail' });
      expect(disk(report, byId).message).toContain('holds data (ext4 signature)');
      expect(disk(report, byId).fix).toContain('set wipe: true');

      const ack = await preflight(disks([{ path: byId, sizeBytes: size, serial: '', wipe: true }]));
      expect(disk(ack.report, byId).status).toBe('warning');
      expect(disk(ack.report, byId).message).toContain('wipe: true acknowledges it will be wiped');
      // Preflight changed nothing: the signature is still there.
      expect(execFileSync('wipefs', ['-n', '-p', '-i', loop], { encoding: 'utf8' })).toContain(
        'ext4',
      );
    } finally {
      execFileSync('wipefs', ['-a', '-q', loop]);
    }
  }, 60_000);

  it('a session that cannot read the disk does not call it blank', async () => {
    const file = writeProfile({
      hosts: [host(NOBODY, { osdDisks: [{ path: byId, sizeBytes: size, serial: '' }] })],
      ceph: true,
    });
    const { report } = await preflight(file);
    const c = check(report.hosts[0]!, 'osd-disk', byId);
    expect(c.status).toBe('fail');
    expect(c.message).toContain('could not check it for data');
  }, 60_000);
});

describe('the command through the bundle', () => {
  it('exit 5 and one JSON document when a host fails; exit 2 for a bad level', async () => {
    const file = writeProfile({
      hosts: [host(0), { name: 'pf-9.preflight.test', address: '127.0.0.249' }],
    });
    const r = await runCli(['preflight', file, '--json', '--known-hosts', fleet.knownHostsFile]);
    expect(r.exitCode).toBe(EXIT.preflightFailed);
    const report = JSON.parse(r.stdout) as PreflightReport;
    expect(report.hosts[1]!.checks[0]).toMatchObject({ id: 'ssh', status: 'fail' });

    const text = await runCli(['preflight', file, '--known-hosts', fleet.knownHostsFile]);
    expect(text.exitCode).toBe(EXIT.preflightFailed);
    expect(text.stdout).toContain('pf-9.preflight.test (127.0.0.249): fail');
    expect(text.stdout).toMatch(/fix: start sshd/);
    expect(text.stdout).toContain('result: FAIL');

    const bad = await runCli(['preflight', file, '--level', 'huge']);
    expect(bad.exitCode).toBe(EXIT.usage);
    expect(bad.stderr).toContain('--level must be one of lab, production (got "huge")');
  }, 90_000);
});
