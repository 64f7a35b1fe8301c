// Plans of the sample profiles from the built-in catalog, and of the test fixture catalog:
// which phases run and why the others do not, order, argv, environment, checks, hash.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadProfileFile } from '../../src/profile/load';
import type { ResolvedProfile } from '../../src/profile/normalize';
import { builtinCatalog } from '../../src/plan/builtinCatalog';
import { loadCatalogFile, parseCatalog, shellScriptIndex } from '../../src/plan/catalog';
import {
  buildPlan,
  planHash,
  PlanError,
  runningPhases,
  stableJson,
  topologicalOrder,
  type Plan,
  type PlanPhase,
} from '../../src/plan/plan';
import { SAMPLE_NAMES, type SampleName } from '../helpers/samples';

const HOST = { home: '/home/operator', localUser: 'operator' };

async function sample(name: SampleName): Promise<ResolvedProfile> {
  const r = await loadProfileFile(`profiles/${name}.yaml`);
  expect(r.valid, JSON.stringify(r.findings)).toBe(true);
  return r.profile!;
}

async function planOf(name: SampleName): Promise<Plan> {
  return buildPlan(await sample(name), builtinCatalog(), HOST);
}

function phase(plan: Plan, id: string): PlanPhase {
  const p = plan.phases.find((x) => x.id === id);
  expect(p, id).toBeDefined();
  return p!;
}

const ran = (plan: Plan, id: string) => !phase(plan, id).skipped;
const reason = (plan: Plan, id: string) => phase(plan, id).skipped?.reason;

describe('which phases run, and why the others do not', () => {
  it('hyperconverged-lab: Longhorn, no Ceph, no Octavia, no Cinder workers', async () => {
    const plan = await planOf('hyperconverged-lab');
    for (const id of ['longhorn-namespace', 'longhorn', 'longhorn-storageclasses'])
      expect(ran(plan, id), id).toBe(true);
    expect(reason(plan, 'rook-cluster')).toBe('storage.backend is longhorn, not rook-ceph');
    expect(phase(plan, 'rook-cluster').skipped?.condition).toBe('storage.backend == rook-ceph');
    expect(reason(plan, 'rook-operator')).toBe(
      'storage.backend is longhorn, not one of rook-ceph, external-ceph',
    );
    expect(reason(plan, 'topolvm')).toBe('storage.backend is longhorn, not topolvm');
    expect(reason(plan, 'octavia')).toBe('openstack.services.octavia is false');
    expect(reason(plan, 'redis-operator')).toBe('openstack.services.octavia is false');
    expect(reason(plan, 'cinder-volume-workers')).toBe(
      'openstack.services.cinder is false and storage.cinder is none',
    );
    expect(reason(plan, 'sealed-secrets')).toBe('the catalog turns it off');
    expect(ran(plan, 'keystone')).toBe(true);
    expect(ran(plan, 'skyline')).toBe(true);
    expect(ran(plan, 'verify')).toBe(true);
  });

  it('hyperconverged-ceph: Rook/Ceph instead of Longhorn, Cinder API without workers', async () => {
    const plan = await planOf('hyperconverged-ceph');
    for (const id of ['rook-operator', 'rook-cluster', 'rook-defaults'])
      expect(ran(plan, id), id).toBe(true);
    expect(reason(plan, 'longhorn')).toBe('storage.backend is rook-ceph, not longhorn');
    expect(reason(plan, 'external-ceph-cluster')).toBe(
      'storage.backend is rook-ceph, not external-ceph',
    );
    expect(ran(plan, 'cinder')).toBe(true);
    expect(ran(plan, 'heat')).toBe(true);
    expect(reason(plan, 'cinder-volume-workers')).toBe('storage.cinder is none');
    // Longhorn is not labelled for, Rook's OSD nodes are
    const selectors = phase(plan, 'label-nodes').doneChecks.map((c) =>
      'selector' in c ? c.selector : '',
    );
    expect(selectors).toContain('role=storage-node');
    expect(selectors).not.toContain('longhorn.io/storage-node=enabled');
  });

  it('full-scale: NetApp Cinder workers, Octavia with Redis, Let’s Encrypt', async () => {
    const plan = await planOf('full-scale');
    for (const id of [
      'cinder-volume-type',
      'cinder-reinstall',
      'cinder-volume-workers',
      'redis-operator',
      'redis-replication',
      'redis-sentinel',
      'octavia-preconf',
      'octavia',
      'heat',
    ]) {
      expect(ran(plan, id), id).toBe(true);
    }
    expect(phase(plan, 'cinder-volume-type').env.CINDER_BACKEND).toBe('netapp-iscsi-1');
    expect(phase(plan, 'cinder-volume-type').envFromProfile).toContain('CINDER_BACKEND');
    expect(phase(plan, 'octavia-preconf').needs).toEqual([
      'nova',
      'neutron',
      'glance',
      'redis-sentinel',
      'openstack-rc',
    ]);
    expect(phase(plan, 'envoy-gateway-setup').argv).toEqual([
      '/opt/genestack/bin/setup-envoy-gateway.sh',
      '-e',
      'ops@example.com',
      '-d',
      'cloud.example.com',
    ]);
    expect(reason(plan, 'longhorn')).toBe('storage.backend is rook-ceph, not longhorn');
  });

  it('leaves the ACME e-mail out when the profile has none (self-signed)', async () => {
    const plan = await planOf('hyperconverged-lab');
    expect(phase(plan, 'envoy-gateway-setup').argv).toEqual([
      '/opt/genestack/bin/setup-envoy-gateway.sh',
      '-d',
      'cloud.example.com',
    ]);
  });

  it('lists every catalog phase once, skipped ones with a reason and the condition', async () => {
    for (const name of SAMPLE_NAMES) {
      const plan = await planOf(name);
      expect(plan.phases.map((p) => p.id).sort()).toEqual(
        builtinCatalog()
          .phases.map((p) => p.id)
          .sort(),
      );
      for (const p of plan.phases.filter((x) => x.skipped)) {
        expect(p.skipped!.reason.length).toBeGreaterThan(0);
        expect(p.skipped!.condition).toBe(p.when);
      }
    }
  });
});

describe.each(SAMPLE_NAMES)('the plan of %s', (name) => {
  it('orders phases so that every need comes first', async () => {
    const plan = await planOf(name);
    const position = new Map(plan.phases.map((p, i) => [p.id, i]));
    for (const p of runningPhases(plan)) {
      for (const n of p.needs) {
        expect(position.get(n)!, `${p.id} needs ${n}`).toBeLessThan(position.get(p.id)!);
        expect(ran(plan, n), `${p.id} needs ${n}, which runs`).toBe(true);
      }
    }
  });

  it('keeps the catalog order, which already satisfies the needs', async () => {
    const plan = await planOf(name);
    expect(plan.phases.map((p) => p.id)).toEqual(builtinCatalog().phases.map((p) => p.id));
  });

  it('drops needs on skipped phases, says so, and waits for what they needed instead', async () => {
    const plan = await planOf(name);
    for (const p of plan.phases) {
      for (const d of p.droppedNeeds) {
        expect(ran(plan, d.id)).toBe(false);
        expect(p.needs).not.toContain(d.id);
        expect(d.reason).toBe(reason(plan, d.id));
      }
    }
    // kube-prometheus-stack needs the storage phases; the skipped backends are dropped
    const kps = phase(plan, 'kube-prometheus-stack');
    expect(kps.droppedNeeds.map((d) => d.id).length).toBe(3);
    expect(kps.needs).toContain('label-nodes');
    expect(kps.needs.length).toBe(2);
  });

  it('resolves every placeholder in argv, cwd, environment and checks', async () => {
    const plan = await planOf(name);
    for (const p of runningPhases(plan)) {
      for (const a of p.argv) expect(a, p.id).not.toMatch(/\$\{/);
      expect(p.cwd, p.id).not.toMatch(/\$\{/);
      expect(p.cwd.startsWith('/'), p.id).toBe(true);
      for (const v of Object.values(p.env)) expect(v, p.id).not.toMatch(/\$\{/);
      expect(JSON.stringify(p.doneChecks), p.id).not.toMatch(/\$\{/);
    }
    expect(plan.pathPrepend).toEqual(['/home/operator/.venvs/genestack/bin']);
  });

  it('never builds a shell script from profile values', async () => {
    const profile = await sample(name);
    const plan = buildPlan(profile, builtinCatalog(), HOST);
    const templates = new Map(builtinCatalog().phases.map((p) => [p.id, p]));
    const profileValues = [
      profile.network.gateway.domain,
      profile.openstack.region,
      profile.network.metallb.gatewayVip,
      profile.genestack.repoDir,
      profile.genestack.configDir,
      ...profile.hosts.flatMap((h) => [h.name, h.address]),
    ];
    let scripts = 0;
    for (const p of runningPhases(plan)) {
      const argvs = [
        p.argv,
        ...p.doneChecks.flatMap((c) => (c.kind === 'command' ? [c.argv] : [])),
      ];
      for (const argv of argvs) {
        const i = shellScriptIndex(argv);
        if (i < 0) continue;
        scripts++;
        for (const v of profileValues) expect(argv[i], `${p.id}: ${v}`).not.toContain(v);
      }
      // a phase's own script is the catalog's text, byte for byte
      const i = shellScriptIndex(p.argv);
      if (i >= 0) {
        const t = templates.get(p.id)!.argv.flatMap((a) => (typeof a === 'string' ? [a] : a.args));
        expect(p.argv[i]).toBe(t[i]);
      }
    }
    expect(scripts).toBeGreaterThan(0);
  });

  it('gives every phase GENESTACK_CONFIG and never ANSIBLE_HOST_KEY_CHECKING', async () => {
    const plan = await planOf(name);
    expect(plan.unsetEnvironment).toContain('ANSIBLE_HOST_KEY_CHECKING');
    for (const p of plan.phases) {
      expect(p.env.GENESTACK_CONFIG).toBe('/etc/genestack');
      expect(p.env).not.toHaveProperty('ANSIBLE_HOST_KEY_CHECKING');
      expect(p.env.ANSIBLE_INVENTORY).toBe('/etc/genestack/inventory');
      expect(p.env.KUBECONFIG).toBe('/home/operator/.kube/config');
      // installerEnvironment(profile) is there, marked as coming from the profile
      expect(p.env.GATEWAY_DOMAIN).toBe('cloud.example.com');
      expect(p.envFromProfile).toContain('GATEWAY_DOMAIN');
      expect(p.envFromProfile).toContain('GENESTACK_CONFIG');
      expect(p.envFromProfile).not.toContain('SKIP_PROMPTS');
      expect(p.envFromProfile).not.toContain('VIRTUAL_ENV');
    }
  });

  it('runs the OpenStack services after Keystone as one parallel group', async () => {
    const plan = await planOf(name);
    const group = runningPhases(plan).filter((p) => p.parallelGroup === 'openstack-services');
    expect(group.map((p) => p.id)).toEqual(
      expect.arrayContaining(['glance', 'placement', 'nova', 'neutron']),
    );
    for (const p of group) expect(p.needs[0]).toBe('keystone');
    expect(plan.parallelGroups['openstack-services']?.budgetSeconds).toBe(1800);
  });

  it('names the nodes a nodesPresent check waits for', async () => {
    const profile = await sample(name);
    const plan = buildPlan(profile, builtinCatalog(), HOST);
    const check = phase(plan, 'kube-ovn').doneChecks.find((c) => c.kind === 'nodesPresent');
    expect(check).toMatchObject({ group: 'kube_node', ready: true });
    const names = (check as { names: string[] }).names;
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(profile.hosts.map((h) => h.name)).toContain(n);
  });

  it('has a stable JSON form and hash', async () => {
    const a = await planOf(name);
    const b = await planOf(name);
    expect(stableJson(a)).toBe(stableJson(b));
    expect(planHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(planHash(a)).toBe(planHash(b));
    const other = buildPlan(await sample(name), builtinCatalog(), { ...HOST, home: '/root' });
    expect(planHash(other)).not.toBe(planHash(a));
  });
});

describe('plan JSON', () => {
  it('has at least id, title, argv, cwd and needs per phase, and skipped with a reason', async () => {
    const json = JSON.parse(JSON.stringify(await planOf('hyperconverged-lab'))) as {
      profile: string;
      catalog: { source: string };
      phases: Array<Record<string, unknown>>;
    };
    expect(json.profile).toBe('hyperconverged-lab');
    expect(json.catalog.source).toBe('built-in:assets/catalog/phases.yaml');
    for (const p of json.phases) {
      expect(p).toHaveProperty('id');
      expect(p).toHaveProperty('title');
      expect(Array.isArray(p.argv)).toBe(true);
      expect(typeof p.cwd).toBe('string');
      expect(Array.isArray(p.needs)).toBe(true);
      expect(p).toHaveProperty('doneChecks');
      expect(p).toHaveProperty('retry');
    }
    const skipped = json.phases.find((p) => p.id === 'rook-cluster')!;
    expect(skipped.skipped).toEqual({
      reason: 'storage.backend is longhorn, not rook-ceph',
      condition: 'storage.backend == rook-ceph',
    });
    expect(json.phases.find((p) => p.id === 'keystone')).not.toHaveProperty('skipped');
  });

  it('stableJson does not depend on key order', () => {
    expect(stableJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe(
      stableJson({ a: [{ c: 2, d: 1 }], b: 1 }),
    );
  });
});

describe('topological order', () => {
  it('takes the earliest catalog phase among the ready ones', () => {
    const order = topologicalOrder([
      { id: 'c', needs: ['b'] },
      { id: 'a', needs: [] },
      { id: 'b', needs: ['a'] },
      { id: 'd', needs: [] },
    ]).map((p) => p.id);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('a custom catalog', () => {
  const fixture = fileURLToPath(new URL('../fixtures/catalogs/test-catalog.yaml', import.meta.url));
  const dir = fileURLToPath(new URL('../fixtures/catalogs', import.meta.url));

  it('plans the fixture catalog: real commands, profile values only in env', async () => {
    const plan = buildPlan(
      await sample('hyperconverged-lab'),
      await loadCatalogFile(fixture),
      HOST,
    );
    expect(plan.catalog).toEqual({ source: fixture, name: 'test' });
    expect(runningPhases(plan).map((p) => p.id)).toEqual([
      'hello',
      'greet',
      'left',
      'right',
      'ping-playbook',
      'after-skipped',
    ]);
    expect(phase(plan, 'greet').argv).toEqual([
      'sh',
      '-c',
      'echo "hi from $GREET_DOMAIN"',
      'greet',
    ]);
    expect(phase(plan, 'greet').env.GREET_DOMAIN).toBe('cloud.example.com');
    expect(phase(plan, 'ping-playbook').argv).toEqual([
      'ansible-playbook',
      '-i',
      'localhost,',
      '-c',
      'local',
      `${dir}/playbooks/ping.yml`,
    ]);
    expect(phase(plan, 'ping-playbook').cwd).toBe(dir);
    expect(reason(plan, 'only-topolvm')).toBe('storage.backend is longhorn, not topolvm');
    expect(phase(plan, 'after-skipped').needs).toEqual(['greet']);
    expect(phase(plan, 'after-skipped').droppedNeeds).toEqual([
      { id: 'only-topolvm', reason: 'storage.backend is longhorn, not topolvm' },
    ]);
    expect(phase(plan, 'left').parallelGroup).toBe('pair');
    expect(phase(plan, 'hello').env.TEST_CATALOG).toBe('1');
  });

  it('refuses to plan a running phase whose placeholder has no value', async () => {
    const catalog = parseCatalog(
      `apiVersion: genestack-installer/v1
kind: PhaseCatalog
metadata: { name: t }
defaults: { expectedSeconds: 1, softTimeoutSeconds: 1, hardTimeoutSeconds: 1 }
phases:
  - id: acme
    title: ACME
    group: infrastructure
    kind: command
    run: { argv: [echo, '\${acmeEmail}'], cwd: / }
  - id: acme-guarded
    title: ACME when set
    group: infrastructure
    kind: command
    when: network.gateway.acmeEmail
    run: { argv: [echo, '\${acmeEmail}'], cwd: / }
`,
      { source: 't.yaml' },
    );
    const lab = await sample('hyperconverged-lab');
    expect(() => buildPlan(lab, catalog, HOST)).toThrow(PlanError);
    expect(() => buildPlan(lab, catalog, HOST)).toThrow(
      /phase "acme" \(phases\[0\]\) argv\[1\]: \$\{acmeEmail\} has no value: network.gateway.acmeEmail is not set/,
    );
    // the guarded one is skipped and keeps its template
    const full = buildPlan(await sample('full-scale'), catalog, HOST);
    expect(phase(full, 'acme').argv).toEqual(['echo', 'ops@example.com']);
  });

  it('has no ${catalogDir} for a catalog that is not a file', async () => {
    const catalog = parseCatalog(
      `apiVersion: genestack-installer/v1
kind: PhaseCatalog
metadata: { name: t }
defaults: { expectedSeconds: 1, softTimeoutSeconds: 1, hardTimeoutSeconds: 1 }
phases:
  - { id: a, title: A, group: kubernetes, kind: command, run: { argv: [cat, '\${catalogDir}/x'], cwd: / } }
`,
      { source: 't.yaml' },
    );
    const lab = await sample('hyperconverged-lab');
    expect(() => buildPlan(lab, catalog, HOST)).toThrow(/\$\{catalogDir\} has no value/);
  });
});
