// The catalog's `when` language: parsing, checking against the profile schema, evaluation with
// explanations. Pure functions, no files.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ConditionError,
  evaluateCondition,
  formatCondition,
  parseCondition,
  parseConditionText,
  profileFields,
  valueAt,
  type Condition,
} from '../../src/plan/conditions';
import { loadSample } from '../helpers/samples';

const lab = loadSample('hyperconverged-lab');
const ceph = loadSample('hyperconverged-ceph');
const full = loadSample('full-scale');

const evalText = (text: string, profile: unknown = lab) =>
  evaluateCondition(parseCondition(text), profile);

describe('parsing', () => {
  it('reads comparisons, membership and truthiness', () => {
    expect(parseConditionText('storage.backend == rook-ceph')).toEqual({
      op: 'eq',
      path: 'storage.backend',
      value: 'rook-ceph',
    });
    expect(parseConditionText('storage.cinder != none')).toEqual({
      op: 'ne',
      path: 'storage.cinder',
      value: 'none',
    });
    expect(parseConditionText('storage.backend in [rook-ceph, external-ceph]')).toEqual({
      op: 'in',
      path: 'storage.backend',
      values: ['rook-ceph', 'external-ceph'],
    });
    expect(parseConditionText('openstack.services.octavia')).toEqual({
      op: 'truthy',
      path: 'openstack.services.octavia',
    });
    expect(parseConditionText('!openstack.services.octavia')).toEqual({
      op: 'not',
      cond: { op: 'truthy', path: 'openstack.services.octavia' },
    });
  });

  it('gives "and" precedence over "or" and honours parentheses', () => {
    const c = parseConditionText('a.b or c.d and not e.f');
    expect(c).toEqual({
      op: 'any',
      conds: [
        { op: 'truthy', path: 'a.b' },
        {
          op: 'all',
          conds: [
            { op: 'truthy', path: 'c.d' },
            { op: 'not', cond: { op: 'truthy', path: 'e.f' } },
          ],
        },
      ],
    });
    expect(parseConditionText('(a.b or c.d) and e.f')).toMatchObject({ op: 'all' });
  });

  it('accepts quoted literals, including keywords and spaces', () => {
    expect(parseConditionText(`metadata.name == "my lab"`)).toMatchObject({ value: 'my lab' });
    expect(parseConditionText(`metadata.name == 'and'`)).toMatchObject({ value: 'and' });
  });

  it('reads the YAML forms any, all, not and booleans', () => {
    expect(
      parseCondition({ any: ['storage.backend == longhorn', 'storage.backend == topolvm'] }),
    ).toMatchObject({
      op: 'any',
    });
    expect(
      parseCondition({ all: ['openstack.services.cinder', { not: 'storage.cinder == none' }] }),
    ).toEqual({
      op: 'all',
      conds: [
        { op: 'truthy', path: 'openstack.services.cinder' },
        { op: 'not', cond: { op: 'eq', path: 'storage.cinder', value: 'none' } },
      ],
    });
    expect(parseCondition(false)).toEqual({ op: 'const', value: false });
    expect(parseCondition('true')).toEqual({ op: 'const', value: true });
  });

  it.each([
    ['', /empty condition/],
    ['storage.backend ==', /expected a value at the end/],
    ['storage.backend == "rook', /unterminated quoted string/],
    ['storage.backend in rook-ceph', /"in" must be followed by a list/],
    ['storage.backend in [rook-ceph', /missing "\]"/],
    ['(storage.backend == longhorn', /missing "\)"/],
    ['storage.backend == longhorn storage.cinder', /unexpected "storage.cinder"/],
    ['storage.backend; rm -rf /', /unexpected character ";"/],
    ['== longhorn', /expected a profile field/],
    ['"storage.backend" == longhorn', /expected a profile field/],
  ])('refuses %j', (text, message) => {
    expect(() => parseCondition(text)).toThrow(ConditionError);
    expect(() => parseCondition(text)).toThrow(message);
  });

  it('refuses mappings that are not any/all/not, with a suggestion', () => {
    expect(() => parseCondition({ anyy: ['a'] })).toThrow(
      /unknown condition key "anyy"; did you mean "any"\?/,
    );
    expect(() => parseCondition({ any: [], all: [] })).toThrow(/exactly one key/);
    expect(() => parseCondition({ all: [] })).toThrow(/non-empty list/);
    expect(() => parseCondition(42)).toThrow(/a condition is a string/);
    expect(() => parseCondition({ any: ['storage.backend ==='] })).toThrow(/^any\[0\]: /);
  });
});

describe('checking against the profile schema', () => {
  it('knows the profile fields, with enum values', () => {
    const fields = profileFields();
    expect(fields.get('storage.backend')).toEqual({
      type: 'enum',
      values: ['longhorn', 'rook-ceph', 'external-ceph', 'topolvm'],
    });
    expect(fields.get('openstack.services.octavia')?.type).toBe('boolean');
    expect(fields.get('network.gateway.acmeEmail')?.type).toBe('string');
    expect(fields.get('storage.cinderLvm')?.type).toBe('object');
  });

  it('refuses unknown fields and suggests the closest', () => {
    expect(() => parseCondition('storage.backnd == longhorn')).toThrow(
      'unknown profile field "storage.backnd"; did you mean "storage.backend"?',
    );
    expect(() => parseCondition('openstack.services.octavai')).toThrow(
      /did you mean "openstack.services.octavia"/,
    );
  });

  it('refuses values an enum never takes, booleans that are not booleans, and list comparisons', () => {
    expect(() => parseCondition('storage.backend == rookceph')).toThrow(
      'storage.backend is never "rookceph": it is one of longhorn, rook-ceph, external-ceph, topolvm; did you mean "rook-ceph"?',
    );
    expect(() => parseCondition('storage.backend in [longhorn, ceph]')).toThrow(/never "ceph"/);
    expect(() => parseCondition('openstack.services.nova == yes')).toThrow(/true or false/);
    expect(() => parseCondition('hosts == x')).toThrow(/is a array|test it on its own/);
  });
});

describe('evaluation explains itself', () => {
  it('says which profile value decided', () => {
    expect(evalText('storage.backend == rook-ceph')).toEqual({
      value: false,
      why: 'storage.backend is longhorn, not rook-ceph',
    });
    expect(evalText('storage.backend == rook-ceph', ceph)).toEqual({
      value: true,
      why: 'storage.backend is rook-ceph',
    });
    expect(evalText('storage.cinder != none')).toEqual({
      value: false,
      why: 'storage.cinder is none',
    });
    expect(evalText('storage.cinder != none', full)).toEqual({
      value: true,
      why: 'storage.cinder is netapp',
    });
    expect(evalText('openstack.services.octavia')).toEqual({
      value: false,
      why: 'openstack.services.octavia is false',
    });
    expect(evalText('storage.backend in [rook-ceph, external-ceph]')).toEqual({
      value: false,
      why: 'storage.backend is longhorn, not one of rook-ceph, external-ceph',
    });
    expect(evalText('network.gateway.acmeEmail')).toEqual({
      value: false,
      why: 'network.gateway.acmeEmail is not set',
    });
    expect(evalText('network.gateway.acmeEmail', full).value).toBe(true);
  });

  it('joins the deciding facts of any/all, and negates with not', () => {
    const cond = { all: ['openstack.services.cinder', 'storage.cinder != none'] };
    expect(evaluateCondition(parseCondition(cond), lab)).toEqual({
      value: false,
      why: 'openstack.services.cinder is false and storage.cinder is none',
    });
    expect(evaluateCondition(parseCondition(cond), ceph)).toEqual({
      value: false,
      why: 'storage.cinder is none',
    });
    expect(evaluateCondition(parseCondition(cond), full).value).toBe(true);
    expect(evalText('not storage.backend == longhorn')).toEqual({
      value: false,
      why: 'storage.backend is longhorn',
    });
    expect(evalText('storage.backend == topolvm or openstack.services.glance')).toEqual({
      value: true,
      why: 'openstack.services.glance is true',
    });
    expect(evaluateCondition(parseCondition(false), lab)).toEqual({
      value: false,
      why: 'the catalog turns it off',
    });
  });

  it('reads only own properties of the profile', () => {
    expect(valueAt(lab, 'constructor')).toBeUndefined();
    expect(valueAt(lab, 'storage.__proto__')).toBeUndefined();
    expect(valueAt(lab, 'storage.backend.length')).toBeUndefined();
    expect(valueAt(lab, 'storage.backend')).toBe('longhorn');
  });
});

describe('formatting', () => {
  it.each([
    'storage.backend == rook-ceph',
    'storage.cinder != none',
    'storage.backend in [rook-ceph, external-ceph]',
    '!openstack.services.octavia',
    'openstack.services.cinder and storage.cinder != none',
    '(storage.backend == longhorn or storage.backend == topolvm) and not (openstack.services.nova and openstack.services.neutron)',
    'metadata.name == "two words"',
    'false',
  ])('%s reads back the same', (text) => {
    const c = parseConditionText(text);
    expect(formatCondition(c)).toBe(text);
    expect(parseConditionText(formatCondition(c))).toEqual(c);
  });

  it('round-trips any generated condition', () => {
    const path = fc.constantFrom('storage.backend', 'openstack.services.nova', 'metadata.name');
    const literal = fc.oneof(
      fc.constantFrom('longhorn', 'rook-ceph', 'true', 'and', 'in'),
      fc.string({ maxLength: 8 }).filter((s) => !(s.includes('"') && s.includes("'"))),
    );
    const cond: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
      c: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({ op: fc.constant('truthy' as const), path }),
        fc.record({ op: fc.constantFrom('eq' as const, 'ne' as const), path, value: literal }),
        fc.record({
          op: fc.constant('in' as const),
          path,
          values: fc.array(literal, { minLength: 1, maxLength: 3 }),
        }),
        fc.record({ op: fc.constant('not' as const), cond: tie('c') }),
        fc.record({
          op: fc.constantFrom('any' as const, 'all' as const),
          conds: fc.array(tie('c'), { minLength: 2, maxLength: 3 }),
        }),
      ),
    })).c;
    fc.assert(
      fc.property(cond, (c) => {
        const back = parseConditionText(formatCondition(c));
        // any/all nest associatively: compare by evaluation on the samples instead of shape
        for (const p of [lab, ceph, full]) {
          expect(evaluateCondition(back, p).value).toBe(evaluateCondition(c, p).value);
        }
      }),
    );
    fc.assert(
      fc.property(literal, (value) => {
        const c: Condition = { op: 'eq', path: 'metadata.name', value };
        expect(parseConditionText(formatCondition(c))).toEqual(c);
      }),
    );
  });
});
