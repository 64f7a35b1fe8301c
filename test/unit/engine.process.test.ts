// Running a phase's command: lines as they come, exit codes, the hard timeout and abort
// stopping the whole process group, a command that cannot start; following the callback
// plugin's file; choosing how to detach the engine; the builtins' argv.
import { describe, expect, it } from 'vitest';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTail, runProcess } from '../../src/engine/process';
import { processStartTime } from '../../src/engine/lock';
import {
  chooseLaunch,
  passedEnvironment,
  systemdRunArgv,
  type LaunchProbe,
} from '../../src/engine/detach';
import {
  annotateOvnCommands,
  fetchKubeconfigArgv,
  labelNodeCommands,
  rewriteKubeconfig,
} from '../../src/engine/builtins';
import { loadSample } from '../helpers/samples';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Processes of a group that have not finished (zombies reparented to a pid 1 that does not reap them do not count). */
function liveInGroup(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((e) => {
      try {
        const st = readFileSync(`/proc/${e}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        return Number(f[2]) === pgid && f[0] !== 'Z' ? [Number(e)] : [];
      } catch {
        return [];
      }
    });
}

describe('runProcess', () => {
  it('hands over stdout and stderr line by line and returns the exit code', async () => {
    const lines: string[] = [];
    const r = await runProcess(
      { argv: ['sh', '-c', 'echo one; echo two >&2; printf "three"; exit 3'], cwd: '/', env },
      { onLine: (s, l) => lines.push(`${s}:${l}`), graceMs: 1000 },
    );
    expect(r).toMatchObject({ kind: 'exited', exitCode: 3 });
    expect(lines.sort()).toEqual(['stderr:two', 'stdout:one', 'stdout:three']);
  });

  it('closes stdin and runs the command in its own process group', async () => {
    const lines: string[] = [];
    await runProcess(
      {
        argv: ['sh', '-c', 'read x || echo "stdin closed"; ps -o pgid= -p $$; echo $$'],
        cwd: '/',
        env,
      },
      { onLine: (_s, l) => lines.push(l.trim()), graceMs: 1000 },
    );
    expect(lines[0]).toBe('stdin closed');
    expect(lines[1]).toBe(lines[2]); // pgid == pid: a group leader
  });

  it('stops the whole group at the hard timeout: SIGTERM, then SIGKILL after the grace', async () => {
    let pgid = 0;
    const t0 = Date.now();
    const r = await runProcess(
      // The shell ignores SIGTERM; its child does not: SIGKILL must follow.
      { argv: ['sh', '-c', 'trap "" TERM; sleep 30 & wait; sleep 30'], cwd: '/', env },
      { hardDeadline: Date.now() + 300, graceMs: 300, onSpawn: (p) => (pgid = p) },
    );
    expect(r.kind).toBe('timed-out');
    expect(r.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(liveInGroup(pgid)).toEqual([]);
    expect(processStartTime(pgid)).toBeNull();
  });

  it('calls onSoft once and lets the command finish', async () => {
    let soft = 0;
    const r = await runProcess(
      { argv: ['sh', '-c', 'sleep 0.3'], cwd: '/', env },
      { softDeadline: Date.now() + 50, onSoft: () => soft++, graceMs: 100 },
    );
    expect(r).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(soft).toBe(1);
  });

  it('stops on abort and reports a command that cannot start', async () => {
    const ac = new AbortController();
    const p = runProcess(
      { argv: ['sleep', '30'], cwd: '/', env },
      { signal: ac.signal, graceMs: 500 },
    );
    setTimeout(() => ac.abort(), 50);
    expect((await p).kind).toBe('aborted');
    const r = await runProcess({ argv: ['no-such-command-xyz'], cwd: '/', env }, { graceMs: 100 });
    expect(r).toMatchObject({ kind: 'spawn-failed', exitCode: 127 });
    expect(r.error).toMatch(/command not found: no-such-command-xyz/);
  });
});

describe('FileTail', () => {
  it('reads appended lines, keeps a partial line until its end, and delivers it on stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gsi-tail-'));
    try {
      const file = join(dir, 'events.jsonl');
      writeFileSync(file, 'old\n');
      const got: string[] = [];
      const tail = new FileTail(file, (l) => got.push(l), 20).skipExisting().start();
      appendFileSync(file, 'a\nb');
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (got.length >= 1) {
            clearInterval(t);
            resolve();
          }
        }, 10);
      });
      expect(got).toEqual(['a']);
      appendFileSync(file, 'c\nd');
      await tail.stop();
      expect(got).toEqual(['a', 'bc', 'd']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('detaching the engine', () => {
  const probe = (uid: number, user: boolean, system: boolean): LaunchProbe => ({
    uid,
    userManager: async () => user,
    systemManager: async () => system,
  });
  const argv = ['/usr/bin/node', '/opt/gsi.mjs', '__engine', '/var/lib/gsi/runs/r1'];
  const e = {
    PATH: '/usr/bin',
    HOME: '/root',
    TERM: 'xterm',
    SSH_AUTH_SOCK: '/tmp/a',
    INVOCATION_ID: 'x',
  };

  it('uses a system unit as root when systemd runs, a user unit when the user manager answers, else setsid', async () => {
    const root = await chooseLaunch(argv, 'r1', '/var/lib/gsi/runs/r1', probe(0, true, true), e);
    expect(root.kind).toBe('systemd-system');
    expect(root.argv.slice(0, 6)).toEqual([
      'systemd-run',
      '--collect',
      '--unit=genestack-installer-r1',
      '--quiet',
      '--property=KillMode=mixed',
      '--property=StandardOutput=append:/var/lib/gsi/runs/r1/engine.log',
    ]);
    expect(root.argv.slice(root.argv.indexOf('--') + 1)).toEqual([
      ...argv,
      '--launched-via',
      'systemd-system',
    ]);
    const user = await chooseLaunch(argv, 'r1', '/d', probe(1000, true, true), e);
    expect(user.kind).toBe('systemd-user');
    expect(user.argv.slice(0, 3)).toEqual(['systemd-run', '--user', '--collect']);
    const rootNoSystem = await chooseLaunch(argv, 'r1', '/d', probe(0, true, false), e);
    expect(rootNoSystem.kind).toBe('systemd-user');
    expect((await chooseLaunch(argv, 'r1', '/d', probe(1000, false, true), e)).kind).toBe('setsid');
    expect(await chooseLaunch(argv, 'r1', '/d', probe(0, false, false), e)).toEqual({
      kind: 'setsid',
      argv,
    });
    expect((await chooseLaunch(argv, 'r1', '/d', probe(0, true, true), e, 'setsid')).kind).toBe(
      'setsid',
    );
  });

  it('passes the environment to a unit by name only, without terminal or systemd variables', () => {
    expect(passedEnvironment(e)).toEqual(['HOME', 'PATH', 'SSH_AUTH_SOCK']);
    const a = systemdRunArgv('systemd-user', 'r1', '/d', argv, ['HOME', 'SECRET_TOKEN']);
    expect(a).toContain('--setenv=SECRET_TOKEN');
    expect(a.join(' ')).not.toMatch(/SECRET_TOKEN=/);
  });
});

describe('builtins as argv', () => {
  it('labels nodes from the inventory groups (hyperconverged: every host every role)', () => {
    const cmds = labelNodeCommands(loadSample('hyperconverged-lab')).map((c) => c.argv);
    const hosts = ['hc-0.cloud.example.com', 'hc-1.cloud.example.com', 'hc-2.cloud.example.com'];
    expect(cmds).toContainEqual([
      'kubectl',
      'label',
      'node',
      ...hosts,
      'openstack-control-plane=enabled',
      '--overwrite',
    ]);
    expect(cmds).toContainEqual([
      'kubectl',
      'label',
      'node',
      ...hosts,
      'openstack-compute-node=enabled',
      'openstack-network-node=enabled',
      '--overwrite',
    ]);
    expect(cmds).toContainEqual([
      'kubectl',
      'label',
      'node',
      ...hosts,
      'longhorn.io/storage-node=enabled',
      '--overwrite',
    ]);
    // the catalog's label-nodes done-check wants some node with this label (Genestack §2.3)
    expect(cmds).toContainEqual([
      'kubectl',
      'label',
      'node',
      ...hosts,
      'openstack-storage-node=enabled',
      '--overwrite',
    ]);
    expect(cmds).toContainEqual([
      'kubectl',
      'label',
      'node',
      '-l',
      'node-role.kubernetes.io/control-plane',
      'kube-ovn/role=master',
      '--overwrite',
    ]);
    expect(cmds.at(-1)).toEqual([
      'kubectl',
      'taint',
      'nodes',
      '-l',
      'node-role.kubernetes.io/control-plane',
      'node-role.kubernetes.io/control-plane:NoSchedule-',
    ]);
  });

  it('labels only what each host is in a full-scale layout; etcd-only hosts are not nodes', () => {
    const cmds = labelNodeCommands(loadSample('full-scale')).map((c) => c.argv);
    const ceph = ['ceph-01', 'ceph-02', 'ceph-03'].map((h) => `${h}.env1.example.com`);
    expect(cmds).toContainEqual([
      'kubectl',
      'label',
      'node',
      ...ceph,
      'ceph-storage-node=enabled',
      'role=storage-node',
      '--overwrite',
    ]);
    const workers = cmds.find((c) => c.includes('node-role.kubernetes.io/worker=worker'))!;
    expect(workers).not.toContain('etcd-01.env1.example.com');
    expect(workers).toContain('k8s-01.env1.example.com');
    expect(cmds.some((c) => c.includes('node-role.kubernetes.io/etcd=etcd'))).toBe(false);
    expect(cmds.some((c) => c.includes('longhorn.io/storage-node=enabled'))).toBe(false);
  });

  it('annotates OVN nodes from the profile', () => {
    const cmds = annotateOvnCommands(loadSample('hyperconverged-lab')).map((c) => c.argv);
    expect(cmds[0]).toEqual([
      'kubectl',
      'annotate',
      'nodes',
      '-l',
      'openstack-network-node=enabled',
      'ovn.openstack.org/int_bridge=br-int',
      'ovn.openstack.org/bridges=br-ex',
      'ovn.openstack.org/ports=br-ex:enp4s0',
      'ovn.openstack.org/mappings=physnet1:br-ex',
      'ovn.openstack.org/availability_zones=az1',
      '--overwrite',
    ]);
    expect(cmds[1]!.slice(-2)).toEqual(['ovn.openstack.org/gateway=enabled', '--overwrite']);
  });

  it('fetches the kubeconfig over ssh with host key checking on, and points it at the host', () => {
    const p = loadSample('hyperconverged-lab');
    const { argv, address } = fetchKubeconfigArgv(p, '/home/op');
    expect(address).toBe('192.168.100.10');
    expect(argv).toEqual([
      'ssh',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'ConnectTimeout=15',
      '-p',
      '22',
      '-l',
      'ubuntu',
      '-i',
      '/home/op/.ssh/id_ed25519',
      '-o',
      'IdentitiesOnly=yes',
      '192.168.100.10',
      '--',
      'sudo',
      '-n',
      'cat',
      '/etc/kubernetes/admin.conf',
    ]);
    const conf = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: cluster.local',
      '    cluster:',
      '      certificate-authority-data: QUJD',
      '      server: https://127.0.0.1:6443',
      'users: []',
      '',
    ].join('\n');
    const out = rewriteKubeconfig(conf, '192.168.100.10');
    expect(out).toContain('server: https://192.168.100.10:6443');
    expect(out).toContain('certificate-authority-data: QUJD');
    expect(() => rewriteKubeconfig('hello: world\n', 'x')).toThrow(/not a kubeconfig/);
  });
});
