// The engine end to end, through the built bundle: `deploy` starts a detached engine (setsid)
// that runs real commands and real playbooks (Debian's ansible-playbook) against real sshd
// processes on 127.0.0.x (test/helpers/sshFleet.ts), with host key checking on. A successful
// run, a task failing on one host, an unreachable host, soft and hard timeouts. The Kubernetes
// done-checks run against test/helpers/fakeKubeApi.ts, a local HTTP server that speaks the
// Kubernetes list and watch protocol (no API server can run here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal, journalPath } from '../../src/journal/reader';
import { processAlive } from '../../src/engine/lock';
import { FakeKubeApi, k8s } from '../helpers/fakeKubeApi';
import { startWorld, statusJson, waitForEvent, type EngineWorld } from './engineHarness';

let w: EngineWorld;

beforeAll(async () => {
  w = await startWorld({ hosts: 3 });
});

afterAll(async () => {
  await w?.stop();
});

const phaseStatus = (s: ReturnType<typeof statusJson>, id: string) =>
  s.phases.find((p) => p.id === id)?.status;

describe('a run that succeeds', () => {
  it('runs every phase in order, the pair in parallel, the playbook on every host', async () => {
    const r = await w.cli(['deploy', w.profile, '--catalog', w.catalog('engine.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/start +prepare/);
    expect(r.stdout).toMatch(/done +fleet/);
    expect(r.stdout).toMatch(/skipped +only-topolvm: storage.backend is longhorn/);
    expect(r.stdout).toMatch(/run succeeded/);

    const runId = w.runIds().at(-1)!;
    const runDir = w.runDir(runId);
    const s = statusJson(await w.cli(['status', runId, '--json']));
    expect(s.runId).toBe(runId);
    expect(s.state).toBe('succeeded');
    expect(s.phases.map((p) => [p.id, p.status])).toEqual([
      ['prepare', 'succeeded'],
      ['write-config', 'succeeded'],
      ['left', 'succeeded'],
      ['right', 'succeeded'],
      ['fleet', 'succeeded'],
      ['checked', 'succeeded'],
      ['only-topolvm', 'skipped'],
    ]);

    // left and right overlapped in time.
    const t = (n: string) => Number(readFileSync(join(w.catalogDir, 'marks', n), 'utf8'));
    expect(t('left.start')).toBeLessThan(t('right.end'));
    expect(t('right.start')).toBeLessThan(t('left.end'));

    // write-config wrote Genestack's files under the profile's configDir.
    expect(existsSync(join(w.configDir, 'inventory', 'inventory.yaml'))).toBe(true);

    // The playbook's events came through the callback plugin, for every host.
    const { events, torn } = await readJournal(journalPath(runDir));
    expect(torn).toBeNull();
    const results = events.filter((e) => e.type === 'ansible-host-result');
    expect(new Set(results.map((e) => (e as { host: string }).host))).toEqual(
      new Set(['host01', 'host02', 'host03']),
    );
    const stats = events.find((e) => e.type === 'ansible-stats') as
      { hosts: Record<string, { ok: number; changed: number; failures: number }> } | undefined;
    expect(stats?.hosts.host02).toMatchObject({ ok: 2, changed: 1, failures: 0 });
    // Stdout is still kept as the phase log, and the command check ran.
    expect(readFileSync(join(runDir, 'logs', 'fleet.log'), 'utf8')).toContain('PLAY RECAP');
    expect(
      events.some(
        (e) => e.type === 'check-status' && e.phaseId === 'checked' && e.status === 'passing',
      ),
    ).toBe(true);

    // Private files: the run folder 0700, logs 0600; the locks are released.
    expect(statSync(runDir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(join(runDir, 'logs'))) {
      expect(statSync(join(runDir, 'logs', f)).mode & 0o777).toBe(0o600);
    }
    expect(existsSync(join(w.stateDir, 'engine.lock'))).toBe(false);
    expect(existsSync(join(w.configDir, '.genestack-installer.lock'))).toBe(false);

    // `runs` and `logs`.
    const runs = await w.cli(['runs']);
    expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+engine-test\\s+succeeded`));
    const logs = await w.cli(['logs', runId, '--phase', 'prepare']);
    expect(logs.stdout).toBe('preparing test.example');

    // Resuming a run that succeeded does nothing; --only runs a done phase again.
    const again = await w.cli(['deploy', w.profile, '--resume', runId]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/nothing to resume/);
    const only = await w.cli(['deploy', w.profile, '--resume', runId, '--only', 'checked']);
    expect(only.exitCode, only.stdout + only.stderr).toBe(0);
    expect(w.marks('checked')).toBe(2);
    expect(w.marks('prepare')).toBe(1);
  });

  it('skips a skipIfDone phase whose checks already pass, on a new run', async () => {
    const r = await w.cli(['deploy', w.profile, '--catalog', w.catalog('engine.yaml')]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/skipped +checked: its done-checks already pass/);
    expect(w.marks('checked')).toBe(2);
    expect(w.marks('prepare')).toBe(2);
  });
});

describe('failures', () => {
  it('a task failing on one host fails the phase and names the host and its first error', async () => {
    const r = await w.cli(['deploy', w.profile, '--catalog', w.catalog('fail.yaml')]);
    expect(r.exitCode, r.stdout).toBe(6);
    expect(r.stdout).toMatch(/FAILED +fail-one \(exit 2/);
    expect(r.stdout).toMatch(/host02: failed at task "Break host02": non-zero return code/);
    expect(r.stdout).toMatch(/log: .*logs\/fail-one\.log/);
    expect(r.stdout).toMatch(
      /resume with: genestack-installer deploy .* --resume \d{8}-\d{6}-[0-9a-f]{4}/,
    );
    const s = statusJson(await w.cli(['status', '--json']));
    expect(s.state).toBe('failed');
    expect(s.failedPhase).toBe('fail-one');
    expect(phaseStatus(s, 'never')).toBe('pending');
    const hosts = (
      s.phases.find((p) => p.id === 'fail-one') as unknown as {
        hosts: Record<string, { failed: number; firstError: { msg: string } | null }>;
      }
    ).hosts;
    expect(hosts.host02?.failed).toBe(1);
    expect(hosts.host01?.failed).toBe(0);
    expect(hosts.host01?.firstError).toBeNull();
  });

  it('an unreachable host fails the phase as unreachable', async () => {
    await w.fleet.stopHost(2);
    try {
      const r = await w.cli(['deploy', w.profile, '--catalog', w.catalog('fleet.yaml')]);
      expect(r.exitCode, r.stdout).toBe(6);
      expect(r.stdout).toMatch(/host03: unreachable at task "Say hello"/);
      const runDir = w.runDir(w.runIds().at(-1)!);
      const { events } = await readJournal(journalPath(runDir));
      expect(
        events.some(
          (e) =>
            e.type === 'ansible-host-result' && e.host === 'host03' && e.status === 'unreachable',
        ),
      ).toBe(true);
      // The reachable hosts ran the whole playbook.
      const stats = events.find((e) => e.type === 'ansible-stats') as {
        hosts: Record<string, { ok: number; unreachable: number }>;
      };
      expect(stats.hosts.host01).toMatchObject({ ok: 2, unreachable: 0 });
      expect(stats.hosts.host03).toMatchObject({ unreachable: 1 });
    } finally {
      await w.fleet.startHost(2);
    }
  });
});

describe('timeouts', () => {
  it('warns at the soft timeout and goes on; stops the process group at the hard timeout', async () => {
    const before = w.runIds();
    const child = w.startDeploy(['--catalog', w.catalog('timeouts.yaml')]);
    const runId = await w.waitForNewRun(before);
    const runDir = w.runDir(runId);
    // The slow playbook's process group, while it runs (its first output line comes after the
    // engine recorded the group; the hard timeout may strike before the Sleep task on a busy
    // machine, which changes nothing here).
    await waitForEvent(
      runDir,
      (e) => e.type === 'log' && e.phaseId === 'too-slow',
      'the first output of too-slow',
    );
    const { pgid } = JSON.parse(readFileSync(join(runDir, 'procs', 'too-slow.json'), 'utf8')) as {
      pgid: number;
    };
    expect(processAlive(pgid)).toBe(true);

    const r = await child;
    expect(r.exitCode, String(r.stdout)).toBe(7);
    expect(String(r.stdout)).toMatch(
      /warning +slow-but-fine: slow-but-fine is slow: still running after 1s/,
    );
    expect(String(r.stdout)).toMatch(/done +slow-but-fine/);
    expect(String(r.stdout)).toMatch(/TIMED OUT too-slow/);

    const s = statusJson(await w.cli(['status', runId, '--json']));
    expect(phaseStatus(s, 'slow-but-fine')).toBe('succeeded');
    expect(phaseStatus(s, 'too-slow')).toBe('timed-out');
    const d = s.phases.find((p) => p.id === 'too-slow')!.durationMs!;
    // Stopped at 6 s; SIGTERM ends ansible-playbook within the 2 s grace (SIGKILL after it).
    expect(d).toBeGreaterThanOrEqual(6000);
    expect(d).toBeLessThan(6000 + 2000 + 3000);
    // Nothing of the phase's process group is left. (Zombies do not count: ansible-playbook's
    // killed children are reparented to pid 1, which in this container does not reap them.)
    const left = (await execa('ps', ['-eo', 'pid,pgid,sid,stat,cmd'])).stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[1] === String(pgid) && !f[3]!.startsWith('Z'));
    expect(left).toEqual([]);
    expect(existsSync(join(runDir, 'procs', 'too-slow.json'))).toBe(false);
  });
});

describe('Kubernetes done-checks (against the fakeKubeApi list+watch server)', () => {
  it('waits for the API objects, then runs label-nodes as kubectl argv', async () => {
    const api = await FakeKubeApi.start();
    const kw = await startWorld({ hosts: 1, kubeconfig: api.kubeconfig });
    try {
      const log = join(kw.dir, 'kubectl.log');
      const before = kw.runIds();
      const child = kw.startDeploy(['--catalog', kw.catalog('kube.yaml')], {
        FAKE_KUBECTL_LOG: log,
      });
      const runId = await kw.waitForNewRun(before);
      const runDir = kw.runDir(runId);
      // The deployment does not exist yet: the check is not passing.
      await waitForEvent(
        runDir,
        (e) =>
          e.type === 'check-status' &&
          e.phaseId === 'install-thing' &&
          e.status === 'failing' &&
          /not found/.test(e.detail ?? ''),
        'install-thing failing: deployment not found',
      );
      api.upsert(k8s.deployment('demo', 'thing', { available: true }));
      await waitForEvent(
        runDir,
        (e) => e.type === 'phase-started' && e.phaseId === 'label-nodes',
        'label-nodes started',
      );
      api.upsert(
        k8s.node('host01.test.example', { labels: { 'openstack-control-plane': 'enabled' } }),
      );
      const r = await child;
      expect(r.exitCode, String(r.stdout) + String(r.stderr)).toBe(0);
      const calls = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      expect(calls).toContainEqual([
        'label',
        'node',
        'host01.test.example',
        'openstack-control-plane=enabled',
        '--overwrite',
      ]);
      expect(calls).toContainEqual([
        'label',
        'node',
        '-l',
        'node-role.kubernetes.io/control-plane',
        'kube-ovn/role=master',
        '--overwrite',
      ]);
      const { events } = await readJournal(journalPath(runDir));
      expect(
        events.some(
          (e) => e.type === 'check-status' && e.phaseId === 'label-nodes' && e.status === 'passing',
        ),
      ).toBe(true);
    } finally {
      await kw.stop();
      await api.close();
    }
  });
});
