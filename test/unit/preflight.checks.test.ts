// The preflight checks as pure functions: each one's pass, warning and fail, with its fix; the
// parser of the preflight script's output; the work list sent to a host; the deploy's exit code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinRequirements } from '../../src/discovery/assets';
import { checkRole } from '../../src/discovery/requirements';
import type { HostFacts, NicFacts } from '../../src/discovery/types';
import { preflightLevel } from '../../src/engine/builtins';
import { exitCodeFor } from '../../src/engine/outcome';
import { EXIT } from '../../src/exitCodes';
import type { JournalEvent } from '../../src/journal/events';
import { builtinPreflightConfig } from '../../src/preflight/assets';
import {
  checkContainerDisk,
  checkDns,
  checkHardware,
  checkKernel,
  checkManagementInterface,
  checkOsdDisk,
  checkProviderInterface,
  checkReachability,
  checkSsh,
  checkSudo,
  checkTimeSync,
  checkTmpExec,
  type Peer,
} from '../../src/preflight/checks';
import { loadPreflightConfig } from '../../src/preflight/config';
import { parsePreflightOutput } from '../../src/preflight/parse';
import { formatReport } from '../../src/preflight/report';
import { buildPreflightInput, workLines } from '../../src/preflight/script';
import {
  CHECK_IDS,
  type BlockNode,
  type DiskProbe,
  type PreflightReport,
} from '../../src/preflight/types';
import { replay } from '../../src/state/runState';

function nic(name: string, o: Partial<NicFacts> = {}): NicFacts {
  return {
    name,
    mac: null,
    state: 'up',
    adminUp: true,
    carrier: true,
    speedMbps: null,
    mtu: 1500,
    addresses: [],
    kind: 'physical',
    linkKind: null,
    master: null,
    members: [],
    vlan: null,
    bondMode: null,
    defaultRoute: false,
    ...o,
  };
}

describe('ssh and sudo', () => {
  it('ssh: pass when connected; a failure keeps discovery’s message, fix and fingerprints', () => {
    expect(checkSsh({ ok: true, user: 'ubuntu' })).toMatchObject({
      status: 'pass',
      message: 'connected as ubuntu',
      fix: '',
    });
    const c = checkSsh({
      ok: false,
      failure: {
        host: 'n1',
        target: { host: 'n1', address: '10.0.0.1' },
        status: 'hostKeyUnknown',
        error: 'the host key of 10.0.0.1 is not known yet',
        fix: 'compare the fingerprint ...',
        stderr: 'Host key verification failed.',
        durationMs: 5,
        hostKeys: [{ type: 'ED25519', fingerprint: 'SHA256:abc', knownHostsLine: 'x' }],
      },
    });
    expect(c).toMatchObject({ status: 'fail', fix: 'compare the fingerprint ...' });
    expect(c.message).toBe('hostKeyUnknown: the host key of 10.0.0.1 is not known yet');
    expect(c.details).toMatchObject({ hostKeys: ['ED25519 SHA256:abc'] });
  });

  it('sudo: root and working sudo pass; missing, denied and become-off fail with a fix', () => {
    const s = (mode: 'root' | 'sudo' | 'off' | 'missing' | 'denied' | null, message = null) =>
      checkSudo({ mode, uid: 1000, message }, true, 'ubuntu');
    expect(s('root').status).toBe('pass');
    expect(s('sudo')).toMatchObject({ status: 'pass', message: 'sudo -n works for ubuntu' });
    expect(s('missing')).toMatchObject({ status: 'fail' });
    expect(s('missing').fix).toContain('apt-get install sudo');
    const denied = checkSudo(
      { mode: 'denied', uid: 1000, message: 'sudo: a password is required' },
      true,
      'ubuntu',
    );
    expect(denied.status).toBe('fail');
    expect(denied.message).toBe('sudo -n true failed for ubuntu: sudo: a password is required');
    expect(denied.fix).toContain('ubuntu ALL=(ALL) NOPASSWD: ALL');
    expect(checkSudo({ mode: 'off', uid: 1000, message: null }, false, 'ubuntu')).toMatchObject({
      status: 'fail',
    });
    expect(s(null).status).toBe('warning');
  });
});

describe('kernel and hardware', () => {
  it('kernel: at the minimum passes, below fails, unknown warns', () => {
    expect(checkKernel({ release: '6.8.0-45-generic', version: [6, 8, 0] }, '6.8').status).toBe(
      'pass',
    );
    const old = checkKernel({ release: '5.15.0-100-generic', version: [5, 15, 0] }, '6.8');
    expect(old.status).toBe('fail');
    expect(old.message).toContain("older than 6.8: Genestack's host setup stops on it");
    expect(old.fix).toContain('HWE kernel');
    expect(checkKernel({ release: null, version: null }, '6.8').status).toBe('warning');
  });

  it('hardware: the worst role requirement, its message and fix; kernel is not counted twice', () => {
    const req = builtinRequirements();
    const facts = {
      cpu: { threads: 1, virtualization: 'vmx', kvmDevice: true },
      memory: { totalBytes: 64 * 1024 ** 3 },
      nics: [nic('eth0'), nic('eth1')],
      disks: [],
      filesystems: { varLibFreeBytes: 500 * 1024 ** 3, tmpNoexec: false, rootFreeBytes: null },
      kernel: { release: '5.4.0', version: [5, 4, 0] },
      timeSync: { synchronized: true, ntpEnabled: true, source: 'chrony', timezone: null },
      arch: 'x86_64',
    } as unknown as HostFacts;
    const c = checkHardware([checkRole(facts, 'all', 'lab', req)]);
    expect(c.status).toBe('fail');
    expect(c.message).toBe('1 CPU threads; every host needs 2 (4 recommended)');
    expect(c.fix).toContain('add CPUs');
    expect(c.message).not.toContain('kernel');
    const enough = { ...facts, cpu: { ...facts.cpu, threads: 8 } } as HostFacts;
    expect(checkHardware([checkRole(enough, 'all', 'lab', req)]).status).toBe('pass');
  });
});

describe('interfaces', () => {
  const nics = [
    nic('lo', { kind: 'loopback', addresses: ['127.0.0.1/8'] }),
    nic('eno1', { addresses: ['10.0.0.11/24', 'fe80::1/64'] }),
    nic('eno2', { addresses: ['fe80::2/64'] }),
    nic('eno3', { state: 'down' }),
    nic('eno4', { master: 'bond0' }),
  ];

  it('management: present on the address’s network passes; missing fails; elsewhere warns', () => {
    expect(checkManagementInterface(nics, 'eno1', '10.0.0.11', true)).toMatchObject({
      status: 'pass',
      message: 'eno1 carries 10.0.0.11',
    });
    const missing = checkManagementInterface(nics, 'enp3s0', '10.0.0.11', true);
    expect(missing.status).toBe('fail');
    expect(missing.message).toBe('no interface enp3s0 (the host has: eno1, eno2, eno3, eno4)');
    expect(missing.fix).toContain('network.managementInterface');
    const elsewhere = checkManagementInterface(nics, 'eno2', '10.0.0.11', true);
    expect(elsewhere.status).toBe('warning');
    expect(elsewhere.message).toContain('eno1 carries it');
  });

  it('provider: up without an address passes (link-local does not count); an address, a missing interface or a bond port fail; down warns', () => {
    expect(checkProviderInterface(nics, 'eno2', true).status).toBe('pass');
    const addr = checkProviderInterface(nics, 'eno1', true);
    expect(addr.status).toBe('fail');
    expect(addr.message).toBe(
      'eno1 carries 10.0.0.11/24: OVN would take the port and the address would stop working',
    );
    expect(addr.fix).toContain('remove the address from eno1');
    expect(checkProviderInterface(nics, 'enp4s0', true)).toMatchObject({ status: 'fail' });
    expect(checkProviderInterface(nics, 'enp4s0', true).fix).toContain('network.providerInterface');
    expect(checkProviderInterface(nics, 'eno4', true).message).toContain('is a port of bond0');
    const down = checkProviderInterface(nics, 'eno3', true);
    expect(down).toMatchObject({ status: 'warning' });
    expect(down.fix).toContain('bring eno3 up');
    expect(checkProviderInterface(nics, 'eno2', false).status).toBe('warning');
  });
});

describe('reachability', () => {
  const peers: Peer[] = [
    { name: 'b', address: '10.0.0.12', port: 22, downForBastion: false },
    { name: 'c', address: '10.0.0.13', port: 22, downForBastion: true },
  ];
  it('all open passes; a refused peer fails; a peer the bastion cannot reach either warns; no tool warns', () => {
    const open = (a: string) => ({ address: a, port: 22, result: 'open' as const, tool: 'bash' });
    expect(checkReachability(peers, [open('10.0.0.12'), open('10.0.0.13')])).toMatchObject({
      status: 'pass',
      message: 'reaches all 2 other host(s) on port 22',
    });
    const refused = checkReachability(
      [peers[0]!],
      [{ address: '10.0.0.12', port: 22, result: 'closed', tool: 'bash' }],
    );
    expect(refused.status).toBe('fail');
    expect(refused.message).toBe('cannot reach b (10.0.0.12:22 refused or unreachable)');
    expect(refused.fix).toContain('firewalls');
    const down = checkReachability(peers, [
      open('10.0.0.12'),
      { address: '10.0.0.13', port: 22, result: 'timeout', tool: 'bash' },
    ]);
    expect(down.status).toBe('warning');
    expect(down.message).toContain(
      'c (10.0.0.13:22 timed out), which the bastion cannot reach either',
    );
    const untested = checkReachability(peers, [
      { address: '10.0.0.12', port: 22, result: 'untested', tool: 'none' },
    ]);
    expect(untested.status).toBe('warning');
    expect(untested.message).toMatch(/^cannot test/);
    expect(checkReachability([], []).status).toBe('pass');
  });
});

describe('time, DNS, /tmp, container disk', () => {
  it('time sync: synchronised passes; not synchronised takes the level’s severity; no tool warns', () => {
    const t = (synchronized: boolean | null) => ({
      synchronized,
      ntpEnabled: true,
      source: synchronized === null ? null : ('timedatectl' as const),
      timezone: null,
    });
    expect(checkTimeSync(t(true), 'fail').status).toBe('pass');
    expect(checkTimeSync(t(false), 'fail').status).toBe('fail');
    expect(checkTimeSync(t(false), 'warning').status).toBe('warning');
    const unknown = checkTimeSync(t(null), 'fail');
    expect(unknown.status).toBe('warning');
    expect(unknown.fix).toContain('install chrony');
  });

  it('DNS: names at their addresses pass (own name on loopback too); unresolved and elsewhere take the configured severity', () => {
    const hosts = [
      { name: 'a.example.com', address: '10.0.0.11' },
      { name: 'b.example.com', address: '10.0.0.12' },
    ];
    const sev = { unresolved: 'fail' as const, otherAddress: 'warning' as const };
    const ok = new Map([
      ['a.example.com', ['127.0.0.1']],
      ['b.example.com', ['10.0.0.12']],
    ]);
    expect(checkDns('a.example.com', hosts, ok, sev).status).toBe('pass');
    expect(checkDns('b.example.com', hosts, ok, sev)).toMatchObject({
      status: 'warning',
      message:
        "resolves to other addresses than the profile's: a.example.com -> 127.0.0.1 (profile: 10.0.0.11)",
    });
    const none = checkDns('a.example.com', hosts, new Map([['a.example.com', ['10.0.0.11']]]), sev);
    expect(none).toMatchObject({ status: 'fail', message: 'b.example.com does not resolve' });
    expect(none.fix).toContain('/etc/hosts');
    expect(
      checkDns('a.example.com', hosts, new Map(), { ...sev, unresolved: 'warning' }).status,
    ).toBe('warning');
  });

  it('/tmp: exec passes, noexec fails with the fix, unknown warns', () => {
    expect(checkTmpExec({ target: '/', options: ['rw', 'relatime'] }, null).status).toBe('pass');
    const noexec = checkTmpExec({ target: '/tmp', options: ['rw', 'nosuid', 'noexec'] }, false);
    expect(noexec).toMatchObject({ status: 'fail', message: '/tmp is mounted noexec (/tmp)' });
    expect(noexec.fix).toContain('remount /tmp without noexec');
    expect(checkTmpExec(null, true).status).toBe('fail');
    expect(checkTmpExec(null, null).status).toBe('warning');
  });

  it('container disk: enough passes, below recommended warns, below minimum fails', () => {
    const need = { minFreeGiB: 20, recommendedFreeGiB: 50 };
    const at = (gib: number) =>
      checkContainerDisk(
        { path: '/var/lib', freeBytes: gib * 1024 ** 3 },
        '/var/lib/containerd',
        need,
      );
    expect(at(60).status).toBe('pass');
    expect(at(60).message).toBe(
      '60.0 GiB free on /var/lib (/var/lib/containerd does not exist yet); 20 GiB needed, 50 GiB recommended',
    );
    expect(at(30).status).toBe('warning');
    expect(at(10).status).toBe('fail');
    expect(at(10).fix).toContain('/var/lib/containerd');
    expect(checkContainerDisk(null, '/var/lib/containerd', need).status).toBe('warning');
  });
});

describe('OSD disks', () => {
  const ID = '/dev/disk/by-id/wwn-0x5000c500a1b2c3d4';
  const dev = (o: Partial<BlockNode> = {}): BlockNode => ({
    name: 'sdb',
    path: '/dev/sdb',
    type: 'disk',
    sizeBytes: 4_000_787_030_016,
    serial: 'ZC1234AB',
    fstype: null,
    pttype: null,
    mountpoint: null,
    children: [],
    ...o,
  });
  const probe = (o: Partial<DiskProbe> = {}): DiskProbe => ({
    path: ID,
    exists: true,
    real: '/dev/sdb',
    device: dev(),
    signatures: [],
    signaturesRead: true,
    signaturesError: null,
    privileged: true,
    udev: true,
    ...o,
  });
  const entry = { path: ID, sizeBytes: 4_000_787_030_016, serial: 'ZC1234AB', wipe: false };

  it('the same blank disk passes', () => {
    const c = checkOsdDisk(entry, probe());
    expect(c).toMatchObject({ status: 'pass', subject: ID });
    expect(c.message).toBe(
      'wwn-0x5000c500a1b2c3d4 (/dev/sdb): same disk (3.6 TiB, serial ZC1234AB), no data',
    );
  });

  it('a different size or serial, a missing path, a partition fail with the fix', () => {
    const size = checkOsdDisk({ ...entry, sizeBytes: 1 }, probe());
    expect(size.status).toBe('fail');
    expect(size.message).toContain(
      'is not the disk that was chosen: size 4000787030016 bytes, recorded 1',
    );
    expect(size.fix).toContain('choose the disk anew');
    expect(checkOsdDisk({ ...entry, serial: 'OTHER' }, probe()).message).toContain(
      'serial ZC1234AB, recorded OTHER',
    );
    const gone = checkOsdDisk(entry, probe({ exists: false, real: null, device: null }));
    expect(gone).toMatchObject({ status: 'fail' });
    expect(gone.message).toBe(
      `${ID} does not exist on this host: the disk was removed, replaced or renamed`,
    );
    expect(checkOsdDisk(entry, probe({ device: dev({ type: 'part' }) })).message).toContain(
      'is a partition, not a whole disk',
    );
    expect(checkOsdDisk(entry, 'unsafe').status).toBe('fail');
    expect(checkOsdDisk(entry, 'no-answer').status).toBe('fail');
  });

  it('data fails unless wipe is acknowledged (then a warning); mounted fails even with wipe', () => {
    const data = probe({
      signatures: ['gpt', 'PMBR'],
      device: dev({
        pttype: 'gpt',
        children: [dev({ name: 'sdb1', type: 'part', fstype: 'xfs' })],
      }),
    });
    const c = checkOsdDisk(entry, data);
    expect(c.status).toBe('fail');
    expect(c.message).toContain('holds data (gpt signature, PMBR signature, partition sdb1 (xfs))');
    expect(c.fix).toContain('set wipe: true');
    expect(checkOsdDisk({ ...entry, wipe: true }, data).status).toBe('warning');
    const mounted = probe({
      device: dev({ children: [dev({ name: 'sdb1', type: 'part', mountpoint: '/srv' })] }),
    });
    const m = checkOsdDisk({ ...entry, wipe: true }, mounted);
    expect(m.status).toBe('fail');
    expect(m.message).toContain('sdb1 mounted at /srv');
  });

  it('signatures that could not be read never pass as blank; no recorded identity warns', () => {
    const unread = probe({
      signaturesRead: false,
      signaturesError: 'wipefs: error: /dev/sdb: probing initialization failed: Permission denied',
      udev: false,
      privileged: false,
    });
    expect(checkOsdDisk(entry, unread).status).toBe('fail');
    expect(checkOsdDisk(entry, unread).message).toContain('could not check it for data');
    expect(checkOsdDisk({ ...entry, wipe: true }, unread).status).toBe('warning');
    expect(checkOsdDisk(ID, probe()).status).toBe('warning');
    expect(checkOsdDisk(ID, probe()).fix).toContain('records sizeBytes and serial');
  });
});

describe('the preflight script’s input and output', () => {
  it('sends only safe items, in a quoted here-document after the probe', () => {
    const work = {
      become: true,
      timeoutSeconds: 3,
      runtimeDir: '/var/lib/containerd',
      names: ['a.example.com', 'b$(reboot).example.com'],
      peers: [{ address: '10.0.0.12', port: 22 }],
      disks: ['/dev/disk/by-id/nvme-eui.0025', "/dev/disk/by-id/x'y"],
    };
    expect(workLines(work)).toEqual([
      'become yes',
      'timeout 3',
      'crdir /var/lib/containerd',
      'name a.example.com',
      'peer 10.0.0.12 22',
      'disk /dev/disk/by-id/nvme-eui.0025',
    ]);
    const text = buildPreflightInput('echo probe\nexit 0\n', '# preflight', work);
    expect(text.startsWith('(\necho probe\nexit 0\n)\n')).toBe(true);
    expect(text).toContain("cat <<'GSI_PF_DATA_END'\nbecome yes\n");
    expect(text).not.toContain('reboot');
  });

  it('parses every section, and a truncated output is incomplete', () => {
    const out = [
      '==> gsi:end <==',
      '==> gsi:pf <==',
      'version=1',
      '==> gsi:pf-sudo <==',
      'uid=1000',
      'mode=denied',
      'message=sudo: a password is required',
      '==> gsi:pf-tmp <==',
      '/tmp rw,nosuid,nodev,noexec',
      '==> gsi:pf-runtime <==',
      'path=/var/lib',
      'df=/dev/vda 264212084 27883456 78507456 27% /',
      '==> gsi:pf-dns <==',
      'a.example.com 10.0.0.11 ',
      'b.example.com -',
      '==> gsi:pf-peers <==',
      '10.0.0.12 22 open bash',
      '10.0.0.13 22 timeout bash',
      '==> gsi:pf-disk-0 <==',
      'path=/dev/disk/by-id/x',
      'udev=no',
      'privileged=yes',
      'exists=yes',
      'real=/dev/loop0',
      '==> gsi:pf-disk-0-lsblk <==',
      '{"blockdevices":[{"name":"loop0","path":"/dev/loop0","type":"loop","size":67108864,"serial":null,"fstype":null,"pttype":null,"mountpoint":null}]}',
      '==> gsi:pf-disk-0-wipefs <==',
      '0x438,9672e4f8-747e-4dee-91f4-cd0d3589b5e5,,ext4',
      'exit=0',
      '==> gsi:pf-disk-1 <==',
      'path=/dev/disk/by-id/y',
      'privileged=no',
      'exists=no',
      '==> gsi:pf-end <==',
    ].join('\n');
    const f = parsePreflightOutput(out);
    expect(f.complete).toBe(true);
    expect(f.scriptVersion).toBe(1);
    expect(f.sudo).toEqual({ mode: 'denied', uid: 1000, message: 'sudo: a password is required' });
    expect(f.tmp).toEqual({ target: '/tmp', options: ['rw', 'nosuid', 'nodev', 'noexec'] });
    expect(f.runtime).toEqual({ path: '/var/lib', freeBytes: 78507456 * 1024 });
    expect([...f.dns]).toEqual([
      ['a.example.com', ['10.0.0.11']],
      ['b.example.com', []],
    ]);
    expect(f.peers.map((p) => p.result)).toEqual(['open', 'timeout']);
    expect(f.disks).toHaveLength(2);
    expect(f.disks[0]).toMatchObject({
      exists: true,
      real: '/dev/loop0',
      signatures: ['ext4'],
      signaturesRead: true,
      device: { type: 'loop', sizeBytes: 67108864, serial: null },
    });
    expect(f.disks[1]).toMatchObject({ path: '/dev/disk/by-id/y', exists: false });
    expect(parsePreflightOutput(out.replace('==> gsi:pf-end <==', '')).complete).toBe(false);
  });
});

describe('config, report and the deploy', () => {
  it('the shipped preflight.yaml loads; a bad one names the field', () => {
    expect(builtinPreflightConfig().containerRuntime.path).toBe('/var/lib/containerd');
    expect(() => loadPreflightConfig('version: 1\n', 'x.yaml')).toThrow(
      /^x\.yaml is invalid: containerRuntime: /,
    );
  });

  it('the text report shows every check, the fixes and the result, with host text made safe', () => {
    const report: PreflightReport = {
      version: 1,
      profile: 'p',
      level: 'lab',
      startedAt: '2026-11-27T00:00:00.000Z',
      durationMs: 5,
      status: 'fail',
      summary: { hosts: 1, pass: 1, warning: 0, fail: 1 },
      hosts: [
        {
          host: 'n1\x1b[2J',
          address: '10.0.0.11',
          status: 'fail',
          durationMs: 5,
          checks: [
            { id: 'ssh', status: 'pass', message: 'connected', fix: '' },
            {
              id: 'tmp-exec',
              status: 'fail',
              message: '/tmp is mounted noexec',
              fix: 'remount it',
            },
          ],
        },
      ],
    };
    const text = formatReport(report);
    expect(text).toContain('n1␛[2J (10.0.0.11): fail');
    expect(text).toMatch(/ {2}fail {5}tmp-exec {6}\/tmp is mounted noexec\n.* fix: remount it\n/);
    expect(text).toContain('result: FAIL');
  });

  it('a run stopped by the preflight phase exits 5, any other failed phase 6', () => {
    const ev = (e: Record<string, unknown>, seq: number) =>
      ({ seq, ts: `2026-11-27T00:00:0${seq}.000Z`, ...e }) as unknown as JournalEvent;
    const run = (argv: string[]) =>
      replay([
        ev(
          {
            type: 'run-started',
            runId: 'r',
            profileName: 'p',
            profileHash: 'h',
            plan: {
              phases: [{ id: 'preflight', title: 't', group: 'g', needs: [], kind: 'builtin' }],
            },
            user: 'u',
            host: 'h',
            pid: 1,
          },
          1,
        ),
        ev({ type: 'phase-started', phaseId: 'preflight', attempt: 1, argv, cwd: '/' }, 2),
        ev(
          {
            type: 'phase-finished',
            phaseId: 'preflight',
            status: 'failed',
            durationMs: 1,
            exitCode: 5,
          },
          3,
        ),
        ev({ type: 'run-finished', status: 'failed' }, 4),
      ]);
    expect(exitCodeFor(run(['builtin:preflight']))).toBe(EXIT.preflightFailed);
    expect(exitCodeFor(run(['ansible-playbook', 'x.yml']))).toBe(EXIT.phaseFailed);
  });

  it('the deploy checks at the lab level unless the phase environment asks for production', () => {
    expect(preflightLevel({})).toBe('lab');
    expect(preflightLevel({ GENESTACK_INSTALLER_PREFLIGHT_LEVEL: 'production' })).toBe(
      'production',
    );
    expect(preflightLevel({ GENESTACK_INSTALLER_PREFLIGHT_LEVEL: 'huge' })).toBe('lab');
  });
});

describe('docs/preflight.md', () => {
  it('has a row for every check', () => {
    const doc = readFileSync('docs/preflight.md', 'utf8');
    for (const id of CHECK_IDS) expect(doc, id).toMatch(new RegExp(`^\\| \`${id}\``, 'm'));
  });
});
