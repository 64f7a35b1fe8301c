// The pure functions behind the dashboard and the plain printer, on recorded journals
// (test/fixtures/journals, written by the real JournalWriter): failure summaries with hints,
// the completion summary, and what skipping a phase means for its dependents.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal } from '../../src/journal/reader';
import { replay, type RunState } from '../../src/state/runState';
import {
  findHint,
  hintRules,
  parseHintRules,
  summarizeFailure,
} from '../../src/state/failureSummary';
import { completionSummary } from '../../src/state/completion';
import { skipConsequences } from '../../src/engine/control';

const FIXTURES = join(import.meta.dirname, '../fixtures/journals');
const LAB_PROFILE = readFileSync(
  join(import.meta.dirname, '../../profiles/hyperconverged-lab.yaml'),
  'utf8',
);

async function state(name: string): Promise<RunState> {
  const { events, torn } = await readJournal(join(FIXTURES, `${name}.jsonl`));
  expect(torn).toBeNull();
  return replay(events);
}

describe('summarizeFailure', () => {
  it('gives each failed host its first error, the task and the DNS hint', async () => {
    const s = await state('failed-host');
    const f = summarizeFailure(s, 'kubespray', {
      runDir: '/state/runs/20250115-100000-lab',
      profilePath: '/home/ops/lab.yaml',
    });
    expect(f.status).toBe('failed');
    expect(f.exitCode).toBe(2);
    expect(f.argv[0]).toBe('ansible-playbook');
    expect(f.hosts).toHaveLength(1);
    const h = f.hosts[0]!;
    expect(h.host).toBe('compute1');
    expect(h.task).toBe('container-engine/containerd : Download containerd');
    expect(h.message).toMatch(/Temporary failure in name resolution/);
    expect(h.hint).toMatch(/could not be resolved/);
    expect(f.lastLines).toEqual([]);
    expect(f.logPath).toBe('/state/runs/20250115-100000-lab/logs/kubespray.log');
    expect(f.resumeCommand).toBe(
      'genestack-installer deploy /home/ops/lab.yaml --resume 20250115-100000-lab',
    );
  });

  it('an unreachable host gets the SSH hint from its status', async () => {
    const f = summarizeFailure(await state('unreachable'), 'kubespray', { runDir: 'r' });
    expect(f.hosts.map((h) => [h.host, h.status])).toEqual([['compute1', 'unreachable']]);
    expect(f.hosts[0]!.hint).toMatch(/cannot be reached over SSH/);
    expect(f.resumeCommand).toBeUndefined();
  });

  it('a phase without Ansible hosts shows its last lines and a hint drawn from them', async () => {
    const f = summarizeFailure(await state('helm-stuck'), 'kube-ovn', {
      runDir: 'r',
      stateDirFlag: '/srv/state dir',
    });
    expect(f.hosts).toEqual([]);
    expect(f.lastLines.at(-1)).toMatch(/another operation .* is in progress/);
    expect(f.hint).toMatch(/Helm release is stuck/);
  });

  it('a phase that timed out gets the timeout hint from its status', async () => {
    const s = await state('helm-stuck');
    const p = s.phases.find((x) => x.id === 'kube-ovn')!;
    const timedOut: RunState = {
      ...s,
      phases: s.phases.map((x) => (x === p ? { ...p, status: 'timed-out', logTail: [] } : x)),
    };
    expect(summarizeFailure(timedOut, 'kube-ovn', { runDir: 'r' }).hint).toMatch(/ran out of time/);
  });
});

describe('failure hints (assets/failure-hints.yaml)', () => {
  // One real-world message per known error; each must find its rule.
  const cases: Array<[string, string]> = [
    [
      'ssh-unreachable',
      'Failed to connect to the host via ssh: ssh: connect to host 10.0.0.5 port 22: Connection refused',
    ],
    [
      'apt-lock',
      'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (unattended-upgr)',
    ],
    [
      'apt-lock',
      'Failed to lock apt for exclusive operation: Failed to lock directory /var/lib/apt/lists/',
    ],
    ['kernel-too-old', 'kernel version 4.15.0 is too old; 5.4 or later is required'],
    ['disk-not-empty', '/dev/sdb has partitions or a filesystem; refusing to use it'],
    [
      'disk-not-empty',
      'wipefs: error: /dev/sdb: probing initialization failed: Device or resource busy',
    ],
    [
      'helm-release-stuck',
      'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress',
    ],
    ['helm-release-stuck', 'release mariadb-operator is in pending-install state'],
    ['image-pull', 'Back-off pulling image "ghcr.io/x/y:1.0": ErrImagePull'],
    ['image-pull', 'failed to pull and unpack image "docker.io/library/nginx:9.9": not found'],
    ['dns', 'curl: (6) Could not resolve host: github.com'],
    ['dns', 'dial tcp: lookup quay.io on 127.0.0.53:53: no such host'],
    ['timeout', 'timed out waiting for the condition on pods/keystone-api-0'],
  ];
  it.each(cases)('%s: %s', (id, text) => {
    expect(findHint(null, text)?.id).toBe(id);
  });

  it('an ordinary failure has no hint', () => {
    expect(findHint('failed', 'No package matching foo is available')).toBeNull();
  });

  it('every rule has a hint that says how to go on', () => {
    for (const r of hintRules()) expect(r.hint).toMatch(/retry|retrying/i);
  });

  it('a broken rule is refused naming the rule and the field', () => {
    expect(() => parseHintRules('hints:\n  - id: a\n    hint: x\n')).toThrow(
      /hints\[0\] \(a\): needs "status" or "patterns"/,
    );
    expect(() =>
      parseHintRules('hints:\n  - id: b\n    hint: x\n    patterns: ["(unclosed"]\n'),
    ).toThrow(/\(b\): pattern "\(unclosed"/);
    expect(() => parseHintRules('hints:\n  - id: c\n    patterns: [x]\n')).toThrow(/\(c\): "hint"/);
    expect(() => parseHintRules('nothing: here\n')).toThrow(/"hints" list/);
  });
});

describe('completionSummary', () => {
  it('names the deployed services, their endpoints on the gateway domain, and credentials', async () => {
    const s = await state('openstack-done');
    const c = completionSummary(s, LAB_PROFILE, '/state/runs/x');
    // trove was skipped by the profile: not deployed.
    expect(c.deployed).toEqual(['Keystone', 'Glance', 'Skyline']);
    expect(c.endpoints).toEqual([
      { name: 'Keystone', url: 'https://keystone.cloud.example.com' },
      { name: 'Glance', url: 'https://glance.cloud.example.com' },
      { name: 'Skyline (dashboard)', url: 'https://skyline.cloud.example.com' },
    ]);
    expect(c.credentials.join('\n')).toContain(
      "kubectl -n openstack get secret keystone-admin -o jsonpath='{.data.password}' | base64 -d",
    );
    expect(c.credentials[0]).toMatch(/openstack --os-cloud default token issue/);
    expect(c.logsDir).toBe('/state/runs/x/logs');
    const keystone = c.durations.find((d) => d.phaseId === 'keystone')!;
    expect(keystone).toEqual({
      phaseId: 'keystone',
      title: 'Keystone',
      durationMs: 420_000,
      status: 'succeeded',
    });
    expect(c.durations.map((d) => d.phaseId)).toEqual(s.phases.map((p) => p.id));
  });

  it('a run without OpenStack phases lists durations only', async () => {
    const c = completionSummary(await state('success'), LAB_PROFILE, 'r');
    expect(c.deployed).toEqual([]);
    expect(c.endpoints).toEqual([]);
    expect(c.credentials).toEqual([]);
    expect(c.durations).toHaveLength(4);
  });

  it('without the profile copy it still lists what was deployed, with no endpoints', async () => {
    const c = completionSummary(await state('openstack-done'), null, 'r');
    expect(c.deployed).toEqual(['Keystone', 'Glance', 'Skyline']);
    expect(c.endpoints).toEqual([]);
  });
});

describe('skipConsequences', () => {
  it('lists every phase that needs the skipped one, directly or through another', async () => {
    const s = await state('failed-host');
    expect(skipConsequences(s, 'kubespray')).toEqual([
      'kube-ovn (Kube-OVN) will run without kubespray',
      'secrets (OpenStack secrets) will run without kubespray, which it needs through kube-ovn',
    ]);
  });

  it('leaves out dependents already done', async () => {
    const s = await state('openstack-done');
    expect(skipConsequences(s, 'kubespray')).toEqual([]);
    expect(skipConsequences(s, 'secrets')).toEqual([]);
  });

  it('a phase nothing needs has no consequences', async () => {
    expect(skipConsequences(await state('failed-host'), 'secrets')).toEqual([]);
  });
});
