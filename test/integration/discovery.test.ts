// Discovery against real sshd processes on loopback addresses (test/helpers/sshFleet.ts):
// a good host, a host with no sshd, a wrong key, a changed host key, an unknown host key, a
// probe that fails, a probe that hangs. The facts of the loopback hosts (this machine) are
// checked against the machine's own /proc, lsblk and ip.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiscover, type JsonHost } from '../../src/commands/discover';
import type { CommandIO } from '../../src/commands/io';
import { EXIT } from '../../src/exitCodes';
import { PROBE_SCRIPT } from '../../src/discovery/assets';
import {
  closeMasters,
  discoverAll,
  discoverOne,
  type DiscoverOptions,
} from '../../src/discovery/discover';
import { recordHostKeys, type SshOptions } from '../../src/discovery/ssh';
import type { HostOk, HostResult, HostTarget } from '../../src/discovery/types';
import { startSshFleet, type FleetHost, type SshFleet } from '../helpers/sshFleet';

// Host roles, by index in the fleet.
const GOOD = 0;
const STOPPED = 1;
const CHANGED = 2;
const PROBE_FAILS = 3;
const HANGS = 4;
const SPARE = 5;

let fleet: SshFleet;
let ssh: SshOptions;
let opts: DiscoverOptions;
const target = (h: FleetHost): HostTarget => ({
  host: `${h.address}:${h.port}`,
  address: h.address,
  port: h.port,
});

beforeAll(async () => {
  fleet = await startSshFleet({
    count: 6,
    hostOptions: (i) =>
      i === PROBE_FAILS
        ? { forceCommand: 'echo "probe broke: no shell for you" >&2; exit 7' }
        : i === HANGS
          ? { forceCommand: 'exec sleep 60' }
          : {},
  });
  ssh = {
    user: fleet.user,
    identityFile: fleet.clientKey,
    knownHostsFile: fleet.knownHostsFile,
    controlDir: fleet.dir,
  };
  opts = { probeScript: PROBE_SCRIPT, ssh, timeoutMs: 20_000 };
  await fleet.stopHost(STOPPED);
  // Reinstalled: a new host key, while known_hosts still has the old one.
  await fleet.replaceHostKey(CHANGED);
});

afterAll(async () => {
  if (!fleet) return;
  await closeMasters(fleet.hosts.map(target), ssh);
  await fleet.stop();
});

function ok(r: HostResult): HostOk {
  if (r.status !== 'ok') throw new Error(`${r.host}: ${r.status}: ${r.error}\n${r.stderr}`);
  return r;
}

describe('a good host', () => {
  it('is discovered in one round trip, and its facts are this machine’s', async () => {
    const r = ok(await discoverOne(target(fleet.hosts[GOOD]!), opts));
    expect(r.warnings.filter((w) => !/udev|signatures/.test(w))).toEqual([]);
    const f = r.facts;

    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    expect(f.cpu.threads).toBe((cpuinfo.match(/^processor\s*:/gm) ?? []).length);

    const memTotal = Number(
      /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1],
    );
    expect(f.memory.totalBytes).toBe(memTotal * 1024);

    const lsblk = JSON.parse(
      execFileSync('lsblk', ['-J', '-b', '-o', 'NAME,SIZE,TYPE'], { encoding: 'utf8' }),
    ) as {
      blockdevices: { name: string; size: number | string; type: string }[];
    };
    const disks = lsblk.blockdevices
      .filter((d) => d.type === 'disk' && !/^(zram|ram|loop|fd|nbd|rbd|drbd)\d/.test(d.name))
      .map((d) => [d.name, Number(d.size)]);
    expect(f.disks.filter((d) => d.type === 'disk').map((d) => [d.name, d.sizeBytes])).toEqual(
      disks,
    );

    const ip = JSON.parse(execFileSync('ip', ['-j', 'addr'], { encoding: 'utf8' })) as {
      ifname: string;
    }[];
    expect(f.nics.map((n) => n.name).sort()).toEqual(ip.map((n) => n.ifname).sort());
    expect(f.nics.find((n) => n.name === 'lo')!.addresses).toContain('127.0.0.1/8');

    expect(f.kernel.release).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    expect(f.hostname).toBe(execFileSync('uname', ['-n'], { encoding: 'utf8' }).trim());
    // The disk holding / is never eligible.
    const rootDisk = f.disks.find((d) => d.holdsRoot);
    if (rootDisk) expect(rootDisk.reasonCodes).toContain('holdsOs');
  });

  it('leaves a multiplexed connection that a second look reuses, and closeMasters ends it', async () => {
    const t = target(fleet.hosts[GOOD]!);
    ok(await discoverOne(t, opts));
    const sockets = () => readdirSync(fleet.dir).filter((n) => /^[0-9a-f]{40}$/.test(n));
    expect(sockets().length).toBeGreaterThanOrEqual(1);
    ok(await discoverOne(t, opts));
    const check = () =>
      execFileSync(
        'ssh',
        [
          '-O',
          'check',
          '-o',
          `ControlPath=${join(fleet.dir, '%C')}`,
          '-p',
          String(t.port),
          '-l',
          fleet.user,
          t.address,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    expect(check).not.toThrow();
    await closeMasters([t], ssh);
    expect(check).toThrow(/No such file or directory|Connection refused/);
  }, 30_000);
});

describe('hosts that cannot be discovered', () => {
  it('no sshd: connection refused', async () => {
    const r = await discoverOne(target(fleet.hosts[STOPPED]!), opts);
    expect(r.status).toBe('connectionRefused');
  });

  it('a wrong key: authentication failed', async () => {
    const wrongKey = join(fleet.dir, 'wrong_ed25519');
    if (!existsSync(wrongKey))
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const r = await discoverOne(target(fleet.hosts[GOOD]!), {
      ...opts,
      ssh: { ...ssh, identityFile: wrongKey, multiplex: false },
    });
    expect(r.status).toBe('authFailed');
    expect(r.status !== 'ok' && r.error).toMatch(/Permission denied \(publickey\)/);
  });

  it('a changed host key is a hard stop, even with accept-new', async () => {
    const h = fleet.hosts[CHANGED]!;
    for (const acceptNewHostKeys of [false, true]) {
      const r = await discoverOne(target(h), { ...opts, ssh: { ...ssh, acceptNewHostKeys } });
      expect(r.status).toBe('hostKeyChanged');
      if (r.status === 'ok') return;
      expect(r.error).toContain(h.fingerprint);
      expect(r.error).toContain(`${fleet.knownHostsFile}:${CHANGED + 1}`);
      expect(r.fix).toContain('ssh-keygen -R');
    }
  });

  it('a probe that fails: its exit code and stderr', async () => {
    const r = await discoverOne(target(fleet.hosts[PROBE_FAILS]!), opts);
    expect(r.status).toBe('probeFailed');
    if (r.status === 'ok') return;
    expect(r.error).toBe('the probe failed (exit code 7): probe broke: no shell for you');
    expect(r.stderr).toBe('probe broke: no shell for you');
  });

  it('a probe that hangs: timeout, and the ssh is killed', async () => {
    const started = Date.now();
    const r = await discoverOne(target(fleet.hosts[HANGS]!), { ...opts, timeoutMs: 2000 });
    expect(r.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(8000);
  }, 15_000);
});

describe('unknown host keys', () => {
  it('shows the fingerprint; once accepted, the key is recorded and the host discovered', async () => {
    const h = fleet.hosts[SPARE]!;
    const kh = join(fleet.dir, 'known_hosts_empty');
    writeFileSync(kh, '');
    const o = { ...opts, ssh: { ...ssh, knownHostsFile: kh } };
    const r = await discoverOne(target(h), o);
    expect(r.status).toBe('hostKeyUnknown');
    if (r.status === 'ok') return;
    expect(r.hostKeys).toHaveLength(1);
    expect(r.hostKeys![0]).toMatchObject({ type: 'ED25519', fingerprint: h.fingerprint });
    expect(r.error).toContain(h.fingerprint);
    expect(readFileSync(kh, 'utf8')).toBe('');

    const file = await recordHostKeys(r.target, r.hostKeys!, o.ssh);
    expect(file).toBe(kh);
    expect(readFileSync(kh, 'utf8').trim()).toBe(h.knownHostsLine);
    ok(await discoverOne(target(h), o));
  });

  it('--accept-new-host-keys records it by itself', async () => {
    const h = fleet.hosts[SPARE]!;
    const kh = join(fleet.dir, 'known_hosts_acceptnew');
    writeFileSync(kh, '');
    const r = await discoverOne(target(h), {
      ...opts,
      ssh: { ...ssh, knownHostsFile: kh, acceptNewHostKeys: true, multiplex: false },
    });
    ok(r);
    const fp = execFileSync('ssh-keygen', ['-l', '-F', `[${h.address}]:${h.port}`, '-f', kh], {
      encoding: 'utf8',
    });
    expect(fp).toContain(h.fingerprint);
  });
});

describe('many hosts and the command', () => {
  it('discovers a mixed fleet in parallel, each host with its own outcome', async () => {
    const r = await discoverAll(fleet.hosts.map(target), { ...opts, timeoutMs: 5000, jobs: 6 });
    expect(r.map((x) => x.status)).toEqual([
      'ok',
      'connectionRefused',
      'hostKeyChanged',
      'probeFailed',
      'timeout',
      'ok',
    ]);
  }, 30_000);

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
  const cmd = () => ({
    user: fleet.user,
    key: fleet.clientKey,
    knownHostsFile: fleet.knownHostsFile,
    controlDir: fleet.dir,
    timeoutSeconds: 10,
  });

  it('`discover` over an inventory: table, exit 0, and the bastion itself', async () => {
    const inv = join(fleet.dir, 'inventory.yaml');
    const good = [fleet.hosts[GOOD]!, fleet.hosts[SPARE]!];
    writeFileSync(
      inv,
      [
        'all:',
        '  hosts:',
        ...good.flatMap((h, i) => [
          `    node0${i + 1}:`,
          `      ansible_host: ${h.address}`,
          `      ansible_port: ${h.port}`,
        ]),
      ].join('\n') + '\n',
    );
    const o = io();
    const code = await runDiscover([], { ...cmd(), inventory: inv, bastion: true }, o.c);
    expect(o.err()).toBe('');
    expect(code).toBe(EXIT.ok);
    expect(o.out()).toMatch(/^node01 +ok /m);
    expect(o.out()).toMatch(/^node02 +ok /m);
    expect(o.out()).toMatch(/^bastion \(bastion\) +ok /m);
    expect(o.out()).toContain('3 hosts: 3 discovered, 0 failed');
  }, 30_000);

  it('`discover` on a terminal shows an unknown key’s fingerprint and records it once accepted', async () => {
    const h = fleet.hosts[SPARE]!;
    // A fresh control directory: a live multiplexed connection would skip the host key check.
    const kh = join(fleet.dir, 'known_hosts_prompt');
    writeFileSync(kh, '');
    const asked: string[] = [];
    const o = io();
    const c: CommandIO = {
      ...o.c,
      isTTY: true,
      confirm: async (q) => {
        asked.push(q);
        return true;
      },
    };
    const code = await runDiscover(
      [`${h.address}:${h.port}`],
      { ...cmd(), knownHostsFile: kh, controlDir: mkdtempSync(join(fleet.dir, 'p')) },
      c,
    );
    expect(asked).toEqual([`Trust ${h.address}:${h.port} with these keys?`]);
    expect(o.err()).toContain(`ED25519  ${h.fingerprint}`);
    expect(o.err()).toContain(`recorded in ${kh}`);
    expect(readFileSync(kh, 'utf8').trim()).toBe(h.knownHostsLine);
    expect(code).toBe(EXIT.ok);
    expect(o.out()).toContain('\x1b[32mok');
  }, 30_000);

  it('`discover --json` with a range: exit 3, and the failing host says why', async () => {
    const g = fleet.hosts[GOOD]!;
    const s = fleet.hosts[STOPPED]!;
    const o = io();
    // Both hosts on one port: the good host's. 127.0.0.3 has no sshd on it.
    const range = `${g.address}-${s.address.split('.')[3]}:${g.port}`;
    const code = await runDiscover([range], { ...cmd(), json: true }, o.c);
    expect(code).toBe(EXIT.discoveryFailed);
    const arr = JSON.parse(o.out()) as JsonHost[];
    expect(arr.map((h) => [h.host, h.status])).toEqual([
      [`${g.address}:${g.port}`, 'ok'],
      [`${s.address}:${g.port}`, 'connectionRefused'],
    ]);
    expect(arr[0]!.facts!.cpu.threads).toBeGreaterThan(0);
    expect(arr[1]!.error).toMatch(/connection refused/);
    expect(arr[1]!.fix).toMatch(/start sshd/);
  }, 30_000);
});
