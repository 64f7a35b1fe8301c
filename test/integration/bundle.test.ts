// The support bundle end to end: a real engine run (real ansible-playbook against a loopback
// sshd) whose profile and generated kubesecrets.yaml hold known secret values, a real
// `discover`, then `bundle` from the built CLI, extracted by the real tar. The Kubernetes API is
// test/helpers/fakeKubeApi.ts, a protocol double (no API server can run here): it serves real
// list JSON for nodes, namespaces, pods and events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FakeKubeApi, k8s } from '../helpers/fakeKubeApi';
import { startWorld, type EngineWorld } from './engineHarness';
import type { Manifest } from '../../src/bundle/bundle';

const KEYRING = 'AQBzZWNyZXQta2V5cmluZy1mb3ItdGhlLWJ1bmRsZS10ZXN0MA==';

let world: EngineWorld;
let api: FakeKubeApi;
let runId: string;
let secrets: string[];

beforeAll(async () => {
  api = await FakeKubeApi.start();
  world = await startWorld({ hosts: 1, kubeconfig: api.kubeconfig });
  // The profile's secret field: an external Ceph keyring (ignored by a Longhorn profile, but a
  // secret all the same).
  const profile = readFileSync(world.profile, 'utf8').replace(
    'storage:\n  backend: longhorn\n',
    `storage:\n  backend: longhorn\n  externalCeph:\n    monHosts: [127.0.0.9]\n    keyring: ${KEYRING}\n`,
  );
  writeFileSync(world.profile, profile);
  for (const ns of ['kube-system', 'openstack']) {
    api.upsert(k8s.object('v1', 'Namespace', ns));
  }
  api.upsert(k8s.node('host01.test.example'));
  api.upsert(k8s.node('host02.test.example', { ready: false, reason: 'KubeletNotReady' }));
  api.upsert(
    k8s.pod('openstack', 'keystone-api-0', {
      ready: false,
      waiting: 'CrashLoopBackOff',
      restarts: 7,
    }),
  );
  api.upsert(k8s.pod('openstack', 'glance-api-0'));
  api.upsert(k8s.pod('kube-system', 'coredns-1'));
  api.upsert(
    k8s.event('openstack', 'keystone-api-0.1', {
      pod: 'keystone-api-0',
      reason: 'BackOff',
      message: 'Back-off restarting failed container keystone-api',
    }),
  );

  const r = await world.cli([
    'deploy',
    world.profile,
    '--catalog',
    world.catalog('bundle.yaml'),
    '--yes',
  ]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  runId = world.runIds()[0]!;
  const kubesecrets = readFileSync(join(world.configDir, 'kubesecrets.yaml'), 'utf8');
  const password = /password: (\S+)/.exec(kubesecrets)![1]!;
  const tokenB64 = /token: (\S+)/.exec(kubesecrets)![1]!;
  secrets = [KEYRING, password, tokenB64, Buffer.from(tokenB64, 'base64').toString(), 'fake-token'];
  // The engine redacts the journal, but the callback's own file has the password as it came.
  const ansibleLines = readFileSync(
    join(world.runDir(runId), 'ansible', 'use-secret.jsonl'),
    'utf8',
  );
  expect(ansibleLines).toContain(password);

  const host = world.fleet.hosts[0]!;
  const d = await world.cli([
    'discover',
    `${world.fleet.user}@${host.address}:${host.port}`,
    '--key',
    world.fleet.clientKey,
    '--known-hosts',
    world.fleet.knownHostsFile,
    '--json',
  ]);
  expect(d.exitCode, d.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await world?.stop();
  await api?.close();
});

interface Extracted {
  root: string;
  files: Map<string, Buffer>;
  manifest: Manifest;
  raw: Buffer;
}

async function extract(archive: string, into: string): Promise<Extracted> {
  mkdirSync(into, { recursive: true });
  const x = await execa('tar', ['-xzf', archive, '-C', into], { reject: false });
  expect(x.exitCode, x.stderr).toBe(0);
  const [top] = readdirSync(into);
  const root = join(into, top!);
  const files = new Map<string, Buffer>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
  return { root, files, manifest, raw: gunzipSync(readFileSync(archive)) };
}

function expectNoSecret(b: Extracted): void {
  for (const s of secrets) {
    const needle = Buffer.from(s);
    // Every byte of the archive (headers, names, padding) and every file after extraction.
    expect(b.raw.includes(needle), `secret in the tar stream`).toBe(false);
    for (const [name, data] of b.files)
      expect(data.includes(needle), `secret in ${name}`).toBe(false);
  }
}

const item = (m: Manifest, p: string) => m.items.find((i) => i.path === p);

describe('genestack-installer bundle', () => {
  it('collects a real run with the API answering, with no secret anywhere', async () => {
    const out = join(world.dir, 'support.tar.gz');
    const r = await world.cli(['bundle', '-o', out]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`bundle: ${out}`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const b = await extract(out, join(world.dir, 'x1'));
    expect(b.root.endsWith(`genestack-installer-bundle-${runId}`)).toBe(true);

    for (const p of [
      'run/run.json',
      'run/profile.yaml',
      'run/events.jsonl',
      'run/logs/generate.log',
      'run/logs/use-secret.log',
      'run/ansible/use-secret.jsonl',
      'config/inventory/inventory.yaml',
      'versions.txt',
      'kubernetes/nodes.json',
      'kubernetes/summary.txt',
      'kubernetes/openstack/pods.json',
      'kubernetes/openstack/events.json',
      'kubernetes/kube-system/pods.json',
    ]) {
      expect(b.files.has(p), `${p} in ${[...b.files.keys()].join(', ')}`).toBe(true);
      expect(item(b.manifest, p)?.status).toBe('collected');
      expect(item(b.manifest, p)?.bytes).toBe(b.files.get(p)!.length);
    }
    const discovery = [...b.files.keys()].find((f) => f.startsWith('discovery/'));
    expect(discovery).toBeDefined();
    expect(JSON.parse(b.files.get(discovery!)!.toString()).hosts[0].status).toBe('ok');
    expect(item(b.manifest, 'run/preflight.json')?.status).toBe('missing');
    expect(item(b.manifest, 'config/kubesecrets.yaml')?.status).toBe('excluded');
    expect(b.files.has('config/kubesecrets.yaml')).toBe(false);

    // What a support engineer reads.
    const versions = b.files.get('versions.txt')!.toString();
    expect(versions).toMatch(/^genestack-installer \d+\.\d+\.\d+/);
    expect(versions).toMatch(/== ansible \(ansible --version\): ok\nansible \[core /);
    expect(versions).toMatch(/== helm \(helm version\): (ok|not found)/);
    const pods = JSON.parse(b.files.get('kubernetes/openstack/pods.json')!.toString());
    expect(pods.find((p: { name: string }) => p.name === 'keystone-api-0')).toMatchObject({
      ready: false,
      reason: 'CrashLoopBackOff',
      restarts: 7,
    });
    const nodes = JSON.parse(b.files.get('kubernetes/nodes.json')!.toString());
    expect(nodes.map((n: { ready: string }) => n.ready).sort()).toEqual(['False', 'True']);
    expect(b.files.get('kubernetes/openstack/events.json')!.toString()).toContain('BackOff');
    expect(b.files.get('kubernetes/summary.txt')!.toString()).toContain(
      'keystone-api-0  CrashLoopBackOff',
    );
    expect(b.manifest.kubernetes?.status).toBe('answered');
    expect(b.manifest.kubernetes?.namespaces.absent).toContain('metallb-system');
    expect(
      JSON.parse(b.files.get('run/run.json')!.toString()).plan.phases.map(
        (p: { id: string }) => p.id,
      ),
    ).toEqual(['write-config', 'generate', 'use-secret']);

    // Redacted, and the manifest says where and by which rule, without the values.
    expectNoSecret(b);
    expect(b.files.get('run/profile.yaml')!.toString()).toContain('keyring: [REDACTED]');
    expect(item(b.manifest, 'run/profile.yaml')?.redactions).toEqual({ 'known-secret': 1 });
    expect(
      item(b.manifest, 'run/ansible/use-secret.jsonl')?.redactions?.['known-secret'],
    ).toBeGreaterThan(0);
    expect(b.files.get('run/ansible/use-secret.jsonl')!.toString()).toContain(
      'login refused for keystone with [REDACTED]',
    );
    expect(b.manifest.totals.redactions['known-secret']).toBeGreaterThanOrEqual(2);
    expect(b.manifest.redaction.knownFrom).toHaveLength(2);
  });

  it('still makes a bundle when the API is down, and says so; includes preflight.json when present', async () => {
    writeFileSync(
      join(world.runDir(runId), 'preflight.json'),
      JSON.stringify({
        checks: [{ id: 'dns', status: 'fail', detail: `db password: ${secrets[1]}` }],
      }),
    );
    await api.pause('refuse');
    try {
      const out = join(world.dir, 'down.tar.gz');
      const r = await world.cli(['bundle', runId.slice(0, 13), '-o', out]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('kubernetes: unreachable');
      const b = await extract(out, join(world.dir, 'x2'));
      expect(b.manifest.kubernetes?.status).toBe('unreachable');
      expect(b.manifest.kubernetes?.error).toMatch(
        /cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1/,
      );
      expect(item(b.manifest, 'kubernetes/')?.status).toBe('missing');
      expect([...b.files.keys()].some((f) => f.startsWith('kubernetes/'))).toBe(false);
      expect(item(b.manifest, 'run/preflight.json')?.status).toBe('collected');
      expect(b.files.get('run/preflight.json')!.toString()).toContain('[REDACTED]');
      expectNoSecret(b);
    } finally {
      await api.resume();
    }
  });

  it('gives up on an API that accepts but never answers, within the time limit', async () => {
    await api.pause('hang');
    try {
      const out = join(world.dir, 'hang.tar.gz');
      const started = Date.now();
      const r = await world.cli(['bundle', '-o', out, '--kube-timeout', '1']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(Date.now() - started).toBeLessThan(30_000);
      const b = await extract(out, join(world.dir, 'x3'));
      expect(b.manifest.kubernetes?.status).toBe('timed out');
      expect(b.files.has('run/events.jsonl')).toBe(true);
    } finally {
      await api.resume();
    }
  });

  it('names the file after the run, in the current folder, and never replaces one without --force', async () => {
    const cwd = join(world.dir, 'here');
    mkdirSync(cwd);
    const out = join(cwd, `genestack-installer-bundle-${runId}.tar.gz`);
    writeFileSync(out, 'keep me');
    const bundle = (args: string[]) =>
      execa(process.execPath, [world.bundle, 'bundle', '--state-dir', world.stateDir, ...args], {
        cwd,
        reject: false,
        env: world.env,
      });
    const r = await bundle([]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${out} already exists; pass --force`);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    const f = await bundle(['--force', '--kube-timeout', '2']);
    expect(f.exitCode, String(f.stderr)).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(
      readFileSync(out)
        .subarray(0, 2)
        .equals(Buffer.from([0x1f, 0x8b])),
    ).toBe(true);
    // Nothing left behind: the partial file became the bundle.
    expect(readdirSync(cwd)).toEqual([`genestack-installer-bundle-${runId}.tar.gz`]);
  });
});
