// Random mutations of valid profiles: validation must only ever answer with structured
// findings, never throw.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
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
