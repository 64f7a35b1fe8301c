// Random mutations of valid profiles, and profiles generated over the schema with hostile
// strings: validation must only ever answer with structured findings, never throw.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { formatFinding } from '../../src/profile/format';
import { loadProfileText } from '../../src/profile/load';

const samples = ['hyperconverged-lab', 'hyperconverged-ceph', 'full-scale'].map((n) =>
  parse(readFileSync(`profiles/${n}.yaml`, 'utf8')),
);

type Json = unknown;

/** Every path to a node of the tree (objects and arrays included). */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

const anyValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', '10.0.0.0/33', '1.2.3.4', '300.1.1.1', 'a-b', '/dev/sdb', 'etcd', '-'),
  fc.integer({ min: -5, max: 100_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

const mutation = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('set', 'delete', 'rename', 'add-key', 'duplicate-entry'),
  value: anyValue,
  key: fc.string({ minLength: 1, maxLength: 12 }),
});
type Mutation = { pick: number; kind: string; value: Json; key: string };

/** Applies one mutation in place at the node `pick` designates. */
function mutate(doc: Json, m: Mutation): void {
  const all = paths(doc).filter((p) => p.length > 0);
  if (all.length === 0) return;
  const path = all[m.pick % all.length]!;
  const parent = path
    .slice(0, -1)
    .reduce<Json>((o, k) => (o as Record<string, Json>)[k as string], doc) as
    Record<string, Json> | Json[];
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last as number;
    if (m.kind === 'delete') parent.splice(i, 1);
    else if (m.kind === 'duplicate-entry') parent.push(structuredClone(parent[i]));
    else parent[i] = m.value;
    return;
  }
  const k = last as string;
  if (m.kind === 'delete') delete parent[k];
  else if (m.kind === 'rename') {
    parent[m.key] = parent[k];
    delete parent[k];
  } else if (m.kind === 'add-key') parent[m.key] = m.value;
  else parent[k] = m.value;
}

describe('validation of mutated profiles (property)', () => {
  it('always returns structured findings and never throws', () => {
    fc.assert(
      fc.property(
        fc.nat(samples.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (n, ms) => {
          const doc = structuredClone(samples[n]);
          for (const m of ms) mutate(doc, m);
          const r = loadProfileText(stringify(doc));
          expect(Array.isArray(r.findings)).toBe(true);
          for (const f of r.findings) {
            expect(['error', 'warning', 'info']).toContain(f.severity);
            expect(typeof f.rule).toBe('string');
            expect(typeof f.path).toBe('string');
            expect(f.message.length).toBeGreaterThan(0);
            expect(f.fix.length).toBeGreaterThan(0);
          }
          expect(r.valid).toBe(!r.findings.some((f) => f.severity === 'error'));
          if (!r.valid) expect(r.profile).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
    // generous: 400 full validations take ~3 s alone, far longer on a busy 2-core machine
  }, 60_000);

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = loadProfileText(text);
        expect(r.valid).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
// Profiles generated over the schema's shape (not mutations of a sample), with hostile strings
// in every text field: shell metacharacters, traversal, terminal escapes, C1 controls,
// bidirectional overrides, arbitrary Unicode and long strings (docs/reliability.md).
const HOSTILE = [
  '$(touch /tmp/gsi-canary)',
  '`touch /tmp/gsi-canary`',
  'a; rm -rf /',
  'a\ntouch x',
  '../../etc',
  '/etc/../../root',
  'evil\u001b[2Jmark',
  'evil\u001b]52;c;ZXZpbA==\u0007',
  'evil\u001b]0;PWNED\u0007',
  'evil\u009b2J',
  'evil\u202emark',
  'evil\u0000',
  '-oProxyCommand=touch x',
];

const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  { weight: 2, arbitrary: fc.domain() },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.string({ minLength: 300, maxLength: 5000 }) },
  { weight: 1, arbitrary: fc.constantFrom('lo', 'eth0', 'bond0.101', '/dev/disk/by-id/x') },
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const oneOrText = (values: readonly string[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: text });

const generatedProfile = fc.record(
  {
    apiVersion: oneOrText(['genestack-installer/v1']),
    kind: oneOrText(['Profile']),
    metadata: fc.record({ name: text, description: maybe(text) }, { requiredKeys: ['name'] }),
    topology: oneOrText(['hyperconverged', 'full-scale']),
    ssh: maybe(
      fc.record(
        {
          user: text,
          port: fc.integer({ min: -1, max: 70_000 }),
          identityFile: text,
          proxyJump: text,
        },
        { requiredKeys: [] },
      ),
    ),
    hosts: fc.array(
      fc.record(
        {
          name: text,
          address: fc.oneof(fc.ipV4(), text),
          roles: fc.array(
            oneOrText([
              'kube_control_plane',
              'etcd',
              'openstack_control_plane',
              'openstack_compute_nodes',
              'ovn_network_nodes',
              'storage_nodes',
              'ceph_storage_nodes',
            ]),
            { maxLength: 4 },
          ),
          osdDisks: fc.array(fc.oneof(text, fc.constant('/dev/disk/by-id/wwn-0x1')), {
            maxLength: 2,
          }),
        },
        { requiredKeys: ['name', 'address'] },
      ),
      { maxLength: 6 },
    ),
    network: fc.record(
      {
        managementInterface: text,
        providerInterface: text,
        managementCidr: fc.oneof(fc.constant('10.0.0.0/24'), text),
        metallb: fc.record({
          primary: fc.array(fc.oneof(fc.constant('10.0.0.200-10.0.0.220'), text), { maxLength: 2 }),
          gatewayVip: fc.oneof(fc.constant('10.0.0.250'), text),
        }),
        gateway: fc.record({ domain: text }),
      },
      { requiredKeys: ['managementInterface', 'providerInterface', 'managementCidr'] },
    ),
    storage: fc.record({
      backend: oneOrText(['longhorn', 'rook-ceph', 'external-ceph', 'topolvm']),
    }),
    genestack: maybe(
      fc.record({ repoDir: text, configDir: text, kubeconfig: text }, { requiredKeys: [] }),
    ),
  },
  { requiredKeys: ['apiVersion', 'kind', 'metadata', 'topology', 'hosts', 'network', 'storage'] },
);

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('validation of generated profiles with hostile strings (property)', () => {
  it('answers with findings or a valid profile, never an exception, never a raw control character', () => {
    fc.assert(
      fc.property(generatedProfile, (doc) => {
        const r = loadProfileText(stringify(doc));
        expect(Array.isArray(r.findings)).toBe(true);
        expect(r.valid).toBe(!r.findings.some((f) => f.severity === 'error'));
        if (r.valid) expect(r.profile).toBeDefined();
        for (const f of r.findings) {
          expect(f.message.length).toBeGreaterThan(0);
          expect(f.fix.length).toBeGreaterThan(0);
          const shown = formatFinding(f, 'p.yaml');
          expect(RAW_CONTROL.test(shown), shown).toBe(false);
        }
        // A profile that passes holds no control character anywhere (tabs aside: shown as spaces).
        if (r.valid) {
          const strings: string[] = [];
          JSON.stringify(r.profile, (k, v: unknown) => {
            strings.push(k);
            if (typeof v === 'string') strings.push(v);
            return v;
          });
          expect(strings.filter((t) => RAW_CONTROL.test(t.replace(/\t/g, ' ')))).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
