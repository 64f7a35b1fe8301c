import { describe, expect, it } from 'vitest';
import { SelectorError, labelMatcher, parseLabelSelector } from '../../src/kube/selector';

describe('label selectors', () => {
  it('parses every requirement form', () => {
    expect(
      parseLabelSelector('a=1, b==2,c!=3,d in (x, y),e notin (z),f,!g,kube-ovn/role=master'),
    ).toEqual([
      { key: 'a', op: 'eq', value: '1' },
      { key: 'b', op: 'eq', value: '2' },
      { key: 'c', op: 'neq', value: '3' },
      { key: 'd', op: 'in', values: ['x', 'y'] },
      { key: 'e', op: 'notin', values: ['z'] },
      { key: 'f', op: 'exists' },
      { key: 'g', op: 'notexists' },
      { key: 'kube-ovn/role', op: 'eq', value: 'master' },
    ]);
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('a=')).toEqual([{ key: 'a', op: 'eq', value: '' }]);
  });

  it.each([
    ['role=storage-node', { role: 'storage-node' }, true],
    ['role=storage-node', { role: 'worker' }, false],
    ['role=storage-node', undefined, false],
    ['role!=storage-node', {}, true],
    ['role!=storage-node', { role: 'storage-node' }, false],
    ['role in (a,b)', { role: 'b' }, true],
    ['role in (a,b)', {}, false],
    ['role notin (a,b)', {}, true],
    ['role notin (a,b)', { role: 'a' }, false],
    ['role', { role: '' }, true],
    ['!role', { role: '' }, false],
    ['!role', { other: 'x' }, true],
    [
      'openstack-network-node=enabled,!node-role.kubernetes.io/control-plane',
      { 'openstack-network-node': 'enabled' },
      true,
    ],
    ['', { any: 'thing' }, true],
  ])('%s on %j -> %s', (selector, labels, want) => {
    expect(labelMatcher(selector)(labels)).toBe(want);
  });

  it.each(['a=(x', 'a==b==c', ',', 'a,,b', 'a in (b c)', '-a=b', 'a=b c'])('rejects %j', (s) => {
    expect(() => parseLabelSelector(s)).toThrow(SelectorError);
  });

  it('names the selector in the error', () => {
    expect(() => parseLabelSelector('role=(x')).toThrow(
      'invalid label selector "role=(x": cannot parse "role=(x"',
    );
  });
});
