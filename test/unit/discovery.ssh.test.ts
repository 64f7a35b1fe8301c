// The ssh argv and the classification of ssh's failures (stderr texts as OpenSSH 9 prints
// them), plus the scheduler and the command, driven by a fake ssh that prints recorded probe
// outputs: no network, no sshd (the integration suite has the real ones).
import fc from 'fast-check';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { runDiscover, type JsonHost } from '../../src/commands/discover';
import { registerDiscoverCommand } from '../../src/commands/register';
import type { CommandIO } from '../../src/commands/io';
import { EXIT } from '../../src/exitCodes';
import { PROBE_SCRIPT } from '../../src/discovery/assets';
import { discoverAll, discoverHosts, discoverLocal } from '../../src/discovery/discover';
import {
  buildProbeArgv,
  classifySshFailure,
  defaultControlDir,
  knownHostsName,
  offendingKeyLocation,
  recordHostKeys,
  resolveSshConfig,
  sshOptionsFromProfile,
  type ClassifyInput,
  type SshOptions,
} from '../../src/discovery/ssh';
import type { DiscoveryEvent, HostTarget } from '../../src/discovery/types';

const FIXTURES = join(__dirname, '../fixtures/probe');
const tmp = mkdtempSync(join(tmpdir(), 'gsi-unit-ssh-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A stand-in for ssh: the destination (after "--") chooses the behaviour.
const fakeSsh = join(tmp, 'fake-ssh');
writeFileSync(
  fakeSsh,
  `#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = "--" ] && { shift; break; }; shift; done
host=$1
cat >/dev/null
case $host in
  refused*) echo "ssh: connect to host $host port 22: Connection refused" >&2; exit 255 ;;
  auth*) echo "root@$host: Permission denied (publickey)." >&2; exit 255 ;;
  broken*) echo "sh: 1: lsblk: Permission denied" >&2; exit 2 ;;
  silent*) exit 0 ;;
  slow*) exec sleep 30 ;;
  d-*) sleep 0.2; cat "${FIXTURES}/\${host#d-}.txt" ;;
  *) cat "${FIXTURES}/$host.txt" ;;
esac
`,
);
chmodSync(fakeSsh, 0o755);
const ssh: SshOptions = { sshBinary: fakeSsh, multiplex: false };
const t = (host: string): HostTarget => ({ host, address: host });

describe('ssh argv', () => {
  it('checks host keys, batch mode, multiplexing, destination last after --', () => {
    const argv = buildProbeArgv(
      { host: 'n1', address: '10.0.0.1', port: 2222, user: 'admin' },
      { user: 'ubuntu', port: 22, identityFile: '/k', proxyJump: 'bastion2', controlDir: '/tmp/c' },
    );
    const opts = argv.filter((_, i) => argv[i - 1] === '-o');
    expect(opts).toEqual(
      expect.arrayContaining([
        'BatchMode=yes',
        'ConnectTimeout=10',
        'StrictHostKeyChecking=yes',
        'ControlMaster=auto',
        'ControlPath=/tmp/c/%C',
        'ControlPersist=60',
        'IdentitiesOnly=yes',
      ]),
    );
    expect(argv.join(' ')).toContain('-i /k');
    expect(argv.join(' ')).toContain('-J bastion2');
    // the target's own port and user win over the defaults
    expect(argv.join(' ')).toContain('-p 2222 -l admin');
    expect(argv.slice(-4)).toEqual(['--', '10.0.0.1', 'sh', '-s']);
  });

  it('accept-new records unknown keys; nothing ever turns checking off', () => {
    fc.assert(
      fc.property(
        fc.record({
          acceptNewHostKeys: fc.boolean(),
          multiplex: fc.boolean(),
          knownHostsFile: fc.option(fc.constant('/tmp/kh'), { nil: undefined }),
          port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        }),
        (o) => {
          const argv = buildProbeArgv(t('h'), { ...o, controlDir: '/tmp/c' });
          const strict = argv.filter((a) => a.startsWith('StrictHostKeyChecking='));
          expect(strict).toEqual([
            `StrictHostKeyChecking=${o.acceptNewHostKeys ? 'accept-new' : 'yes'}`,
          ]);
          expect(argv.some((a) => /=no$/.test(a) || a === 'UserKnownHostsFile=/dev/null')).toBe(
            false,
          );
          expect(argv.indexOf('--')).toBe(argv.length - 4);
        },
      ),
    );
  });

  it('the control socket directory is private and short enough for a unix socket', () => {
    const dir = defaultControlDir();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(join(dir, 'x'.repeat(40 + 17)).length).toBeLessThanOrEqual(107);
  });

  it('asks ssh itself what it would use (ssh -G), and records keys on a line of their own', async () => {
    const cfg = await resolveSshConfig(
      { host: 'x', address: '127.0.0.9', port: 2222 },
      { knownHostsFile: join(tmp, 'kh'), user: 'admin' },
    );
    expect(cfg).toMatchObject({
      hostname: '127.0.0.9',
      port: 2222,
      user: 'admin',
      proxyJump: null,
      knownHostsFiles: [join(tmp, 'kh')],
    });
    const viaJump = await resolveSshConfig(t('127.0.0.9'), { proxyJump: 'jump.example' });
    expect(viaJump.proxyJump).toBe('jump.example');

    const kh = join(tmp, 'kh');
    writeFileSync(kh, '[127.0.0.8]:22 ssh-ed25519 AAAAold');
    const key = {
      type: 'ED25519',
      fingerprint: 'SHA256:x',
      knownHostsLine: '127.0.0.9 ssh-ed25519 AAAAnew',
    };
    expect(await recordHostKeys(t('127.0.0.9'), [key], { knownHostsFile: kh })).toBe(kh);
    expect(readFileSync(kh, 'utf8')).toBe(
      '[127.0.0.8]:22 ssh-ed25519 AAAAold\n127.0.0.9 ssh-ed25519 AAAAnew\n',
    );
    await expect(recordHostKeys(t('h'), [key], { knownHostsFile: '/dev/null' })).rejects.toThrow(
      /dev\/null/,
    );
  });

  it('known_hosts names, profile ssh block', () => {
    expect(knownHostsName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
    expect(sshOptionsFromProfile({ user: 'ubuntu', port: 22, identityFile: '/k' })).toEqual({
      user: 'ubuntu',
      port: 22,
      identityFile: '/k',
    });
  });
});

describe('classifying ssh failures', () => {
  const base: ClassifyInput = {
    exitCode: 255,
    stderr: '',
    timedOut: false,
    timeoutMs: 60_000,
    who: { host: '10.0.0.9', user: 'root', port: 2222 },
  };
  const kind = (stderr: string, over: Partial<ClassifyInput> = {}) =>
    classifySshFailure({ ...base, stderr, ...over })?.kind ?? 'ok';

  it('tells every outcome apart', () => {
    expect(kind('ssh: connect to host 10.0.0.9 port 2222: Connection refused\r\n')).toBe(
      'connectionRefused',
    );
    expect(kind('ssh: connect to host 10.0.0.9 port 22: No route to host')).toBe('unreachable');
    expect(kind('ssh: connect to host 10.0.0.9 port 22: Connection timed out')).toBe('unreachable');
    expect(kind('ssh: Could not resolve hostname nowhere: Name or service not known')).toBe(
      'unreachable',
    );
    expect(
      kind(
        'Connection timed out during banner exchange\r\nConnection to 10.0.0.9 port 22 timed out',
      ),
    ).toBe('unreachable');
    expect(kind('kex_exchange_identification: read: Connection reset by peer')).toBe('unreachable');
    expect(kind('root@10.0.0.9: Permission denied (publickey).')).toBe('authFailed');
    expect(
      kind('Received disconnect from 10.0.0.9 port 22:2: Too many authentication failures'),
    ).toBe('authFailed');
    expect(
      kind(
        'No ED25519 host key is known for [10.0.0.9]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n',
      ),
    ).toBe('hostKeyUnknown');
    expect(kind('something new', {})).toBe('sshFailed');
    expect(kind('', { exitCode: 2, stderr: 'sh: 1: x: not found' })).toBe('probeFailed');
    expect(kind('', { exitCode: 0, noOutput: true })).toBe('probeFailed');
    expect(kind('', { exitCode: 0 })).toBe('ok');
    expect(kind('', { timedOut: true, exitCode: undefined })).toBe('timeout');
  });

  const changed = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:q0BdG8t2m2zUq2KgXx1J4Wc9Pz8bq7cM0T1pCkq9dZs.
Please contact your system administrator.
Add correct host key in /root/.ssh/known_hosts to get rid of this message.
Offending ED25519 key in /root/.ssh/known_hosts:7
Host key for [10.0.0.9]:2222 has changed and you have requested strict checking.
Host key verification failed.
`;

  it('a changed host key is told apart from an unknown one, with where and what', () => {
    const f = classifySshFailure({ ...base, stderr: changed })!;
    expect(f.kind).toBe('hostKeyChanged');
    expect(f.error).toContain('SHA256:q0BdG8t2m2zUq2KgXx1J4Wc9Pz8bq7cM0T1pCkq9dZs');
    expect(f.error).toContain('/root/.ssh/known_hosts:7');
    expect(f.fix).toContain("ssh-keygen -R '[10.0.0.9]:2222' -f /root/.ssh/known_hosts");
    expect(offendingKeyLocation(changed)).toBe('/root/.ssh/known_hosts:7');
  });

  it('every failure has a one-line error and a one-line fix', () => {
    for (const stderr of ['Connection refused', 'Permission denied (publickey)', changed, 'x']) {
      const f = classifySshFailure({ ...base, stderr })!;
      expect(f.error).not.toMatch(/\n/);
      expect(f.fix).not.toMatch(/\n/);
      expect(f.fix.length).toBeGreaterThan(10);
    }
  });
});

describe('scheduler', () => {
  it('bounded concurrency, one started and one done event per host, results by index', async () => {
    const targets = Array.from({ length: 7 }, (_, i) =>
      t(i % 2 ? 'd-debian12-vm-virtio' : `d-ubuntu2404-nvme-os-partitioned`),
    );
    const events: DiscoveryEvent[] = [];
    let inFlight = 0;
    let peak = 0;
    const results = await discoverAll(targets, { probeScript: 'x', ssh, jobs: 3 }, (e) => {
      events.push(e);
      inFlight += e.type === 'host-started' ? 1 : -1;
      peak = Math.max(peak, inFlight);
    });
    expect(peak).toBe(3);
    expect(events.filter((e) => e.type === 'host-started')).toHaveLength(7);
    expect(events.filter((e) => e.type === 'host-done')).toHaveLength(7);
    expect(results.map((r) => r.status)).toEqual(Array(7).fill('ok'));
    expect(results.map((r) => (r.status === 'ok' ? r.facts.hostname : ''))).toEqual(
      Array.from({ length: 7 }, (_, i) => (i % 2 ? 'vm' : 'compute01')),
    );
  });

  it('failures are results, each with its kind; a slow host times out alone', async () => {
    const started = Date.now();
    const r = await discoverAll(
      ['refused.x', 'auth.x', 'broken.x', 'silent.x', 'slow.x', 'debian12-vm-virtio'].map(t),
      { probeScript: 'x', ssh, jobs: 6, timeoutMs: 1500 },
    );
    expect(r.map((x) => x.status)).toEqual([
      'connectionRefused',
      'authFailed',
      'probeFailed',
      'probeFailed',
      'timeout',
      'ok',
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    const broken = r[2]!;
    expect(broken.status !== 'ok' && broken.stderr).toBe('sh: 1: lsblk: Permission denied');
    expect(broken.status !== 'ok' && broken.error).toMatch(/exit code 2/);
  });

  it('breaking out of the stream cancels the hosts still running', async () => {
    const started = Date.now();
    const seen: string[] = [];
    for await (const e of discoverHosts(['debian12-vm-virtio', 'slow.a', 'slow.b'].map(t), {
      probeScript: 'x',
      ssh,
      jobs: 1,
    })) {
      seen.push(`${e.type}:${e.host}`);
      if (e.type === 'host-done') break;
    }
    expect(seen).toEqual(['host-started:debian12-vm-virtio', 'host-done:debian12-vm-virtio']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an outside abort signal stops the run', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const started = Date.now();
    const r = await discoverAll(['slow.a', 'slow.b'].map(t), {
      probeScript: 'x',
      ssh,
      jobs: 2,
      signal: ac.signal,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.filter(Boolean).every((x) => x.status !== 'ok')).toBe(true);
  });

  it('the bastion: the real probe, run locally', async () => {
    const r = await discoverLocal({ probeScript: PROBE_SCRIPT });
    expect(r.status).toBe('ok');
    if (r.status !== 'ok') return;
    expect(r.host).toBe('bastion');
    expect(r.warnings).toEqual([]);
    expect(r.facts.cpu.threads).toBeGreaterThan(0);
    expect(r.facts.nics.some((n) => n.kind === 'loopback')).toBe(true);
  });
});

describe('discover command', () => {
  function fakeIO(tty = false) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CommandIO = {
      out: (s) => void out.push(s),
      err: (s) => void err.push(s),
      isTTY: tty,
      confirm: async () => false,
    };
    return { io, out: () => out.join(''), err: () => err.join('') };
  }
  const opts = { sshBinary: fakeSsh, probeScript: 'x', controlDir: tmp };

  it('prints a plain table, the reasons, and exits 0 when every host was discovered', async () => {
    const f = fakeIO();
    const code = await runDiscover(
      ['ubuntu2404-nvme-os-partitioned', 'debian12-sata-mdraid-lvm-bond-vlan-bridge'],
      opts,
      f.io,
    );
    expect(code).toBe(EXIT.ok);
    const out = f.out();
    expect(out).not.toContain('\x1b[');
    expect(out).toMatch(
      /^HOST +STATUS +CPUS +MEMORY +DISKS OK\/ALL +NICS +KERNEL +CHECKS \(lab\)$/m,
    );
    expect(out).toMatch(
      /^ubuntu2404-nvme-os-partitioned +ok +64 +252 GiB +1\/4 +4 +6\.8\.0-45-generic +pass$/m,
    );
    expect(out).toMatch(
      /debian12-sata\S* +ok +16 +126 GiB +1\/7 +8 +6\.1\.0-25-amd64 \(<6\.8\) +fail: kernel, tmpExec/m,
    );
    expect(out).toContain('disk sde 7.3 TiB not eligible: has a xfs filesystem');
    expect(out).toContain('fix: install a 6.8+ kernel');
    expect(out).toContain('2 hosts: 2 discovered, 0 failed');
    expect(f.err()).toBe('');
  });

  it('exits 3 and says which host failed, why, and what to do', async () => {
    const f = fakeIO();
    const code = await runDiscover(
      ['debian12-vm-virtio', 'refused.example', 'auth.example'],
      opts,
      f.io,
    );
    expect(code).toBe(EXIT.discoveryFailed);
    const out = f.out();
    expect(out).toMatch(/^refused\.example +connectionRefused +- +-/m);
    expect(out).toContain('refused.example: connectionRefused: connection refused on port 22');
    expect(out).toContain('  fix: start sshd on refused.example');
    expect(out).toContain('auth.example: authFailed');
    expect(out).toContain('3 hosts: 1 discovered, 2 failed');
  });

  it('--json: an array, one object per host, with the fields other tools read', async () => {
    const f = fakeIO();
    const code = await runDiscover(
      ['ubuntu2204-multipath-ovs-no-lscpu', 'broken.example'],
      { ...opts, json: true },
      f.io,
    );
    expect(code).toBe(EXIT.discoveryFailed);
    const arr = JSON.parse(f.out()) as JsonHost[];
    expect(arr).toHaveLength(2);
    const [ok, bad] = arr as [JsonHost, JsonHost];
    expect(ok.host).toBe('ubuntu2204-multipath-ovs-no-lscpu');
    expect(ok.status).toBe('ok');
    expect(ok.facts!.cpu.threads).toBe(16);
    expect(ok.facts!.memory.totalBytes).toBe(395925512 * 1024);
    const mpatha = ok.facts!.disks.find((d) => d.name === 'mpatha')!;
    expect(mpatha).toMatchObject({ sizeBytes: 2199023255552, eligible: true, reasons: [] });
    expect(mpatha.byId).toMatch(/^\/dev\/disk\/by-id\/dm-uuid-mpath-/);
    expect(ok.facts!.nics.find((n) => n.name === 'ens3f0')).toMatchObject({
      addresses: ['192.168.50.13/24'],
      state: 'up',
    });
    expect(ok.requirements!.roles[0]!.role).toBe('all');
    expect(bad).toMatchObject({ host: 'broken.example', status: 'probeFailed' });
    expect(bad.error).toMatch(/exit code 2/);
    expect(bad.facts).toBeUndefined();
  });

  it('usage errors exit 2; an unreadable or broken inventory exits 1 naming file and line', async () => {
    let f = fakeIO();
    expect(await runDiscover([], opts, f.io)).toBe(EXIT.usage);
    expect(f.err()).toMatch(/no hosts given/);
    f = fakeIO();
    expect(await runDiscover(['a'], { ...opts, jobs: '0' }, f.io)).toBe(EXIT.usage);
    expect(f.err()).toMatch(/--jobs must be a whole number from 1 to 1024/);
    f = fakeIO();
    expect(await runDiscover(['a'], { ...opts, port: 'x' }, f.io)).toBe(EXIT.usage);
    f = fakeIO();
    expect(await runDiscover(['-oProxyCommand=x'], opts, f.io)).toBe(EXIT.usage);
    f = fakeIO();
    expect(await runDiscover(['a'], { ...opts, level: 'huge' }, f.io)).toBe(EXIT.usage);
    f = fakeIO();
    expect(await runDiscover([], { ...opts, inventory: join(tmp, 'nope.yaml') }, f.io)).toBe(
      EXIT.invalid,
    );
    expect(f.err()).toContain(`cannot read the inventory ${join(tmp, 'nope.yaml')}: no such file`);
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'all:\n  hosts:\n    a: [\n');
    f = fakeIO();
    expect(await runDiscover([], { ...opts, inventory: bad }, f.io)).toBe(EXIT.invalid);
    expect(f.err()).toMatch(new RegExp(`^error: ${bad}:\\d+:\\d+: not valid YAML`));
  });

  it('inventory hosts are judged for the roles of their groups', async () => {
    const inv = join(tmp, 'inv.yaml');
    writeFileSync(
      inv,
      'all:\n  hosts:\n    c1:\n      ansible_host: ubuntu1804-old-tools-unprivileged\n  children:\n    openstack_compute_nodes:\n      hosts:\n        c1:\n',
    );
    const f = fakeIO();
    await runDiscover([], { ...opts, inventory: inv, level: 'production', json: true }, f.io);
    const [h] = JSON.parse(f.out()) as JsonHost[];
    expect(h!.host).toBe('c1');
    expect(h!.groups).toEqual(['openstack_compute_nodes']);
    const compute = h!.requirements!.roles.find((r) => r.role === 'openstack_compute_nodes')!;
    expect(compute.checks.find((c) => c.id === 'virtualization')!.status).toBe('fail');
  });

  it('registers as a commander subcommand: flags reach runDiscover', async () => {
    const f = fakeIO();
    let code = -1;
    const program = new Command().exitOverride();
    registerDiscoverCommand(program, f.io, (c) => (code = c));
    await program.parseAsync(['discover', 'h1', '--jobs', '0'], { from: 'user' });
    expect(code).toBe(EXIT.usage);
    expect(f.err()).toMatch(/--jobs must be/);
    await program.parseAsync(['discover', '--bastion', '--json', '--level', 'production'], {
      from: 'user',
    });
    expect(code).toBe(EXIT.ok);
    const [b] = JSON.parse(f.out()) as JsonHost[];
    expect(b).toMatchObject({ host: 'bastion', bastion: true, status: 'ok' });
    expect(b!.requirements).toBeUndefined();
  });

  it('the probe asset is the one the command ships', () => {
    expect(PROBE_SCRIPT).toBe(readFileSync(join(__dirname, '../../assets/probe.sh'), 'utf8'));
  });
});
