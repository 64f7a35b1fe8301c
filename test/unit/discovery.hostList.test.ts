// Host lists: names, addresses, ranges, and inventory.yaml import.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expandAddressRange,
  expandBrackets,
  expandHostArg,
  expandHostArgs,
  HostListError,
  MAX_EXPANSION,
  parseInventory,
} from '../../src/discovery/hostList';

describe('expandHostArg', () => {
  it('names and addresses pass through', () => {
    expect(expandHostArg('node01.example.com')).toEqual([
      { host: 'node01.example.com', address: 'node01.example.com' },
    ]);
    expect(expandHostArg('10.0.0.11')).toEqual([{ host: '10.0.0.11', address: '10.0.0.11' }]);
    expect(expandHostArg('fd00::5')).toEqual([{ host: 'fd00::5', address: 'fd00::5' }]);
  });

  it('address ranges, short and long form', () => {
    expect(expandHostArg('10.0.0.11-13').map((t) => t.address)).toEqual([
      '10.0.0.11',
      '10.0.0.12',
      '10.0.0.13',
    ]);
    expect(expandAddressRange('10.0.0.254-10.0.1.1')).toEqual([
      '10.0.0.254',
      '10.0.0.255',
      '10.0.1.0',
      '10.0.1.1',
    ]);
    expect(expandAddressRange('node-1')).toBeNull();
  });

  it('name ranges keep zero padding, support letters, steps and several groups', () => {
    expect(expandHostArg('node[01:03].example.com').map((t) => t.host)).toEqual([
      'node01.example.com',
      'node02.example.com',
      'node03.example.com',
    ]);
    expect(expandBrackets('n[8:10]')).toEqual(['n8', 'n9', 'n10']);
    expect(expandBrackets('n[098:100]')).toEqual(['n098', 'n099', 'n100']);
    expect(expandBrackets('rack[a:b]-n[1:2]')).toEqual([
      'racka-n1',
      'racka-n2',
      'rackb-n1',
      'rackb-n2',
    ]);
    expect(expandBrackets('n[01:10:4]')).toEqual(['n01', 'n05', 'n09']);
  });

  it('user@ and :port, kept in the displayed name', () => {
    expect(expandHostArg('ubuntu@10.0.0.5:2222')).toEqual([
      { host: 'ubuntu@10.0.0.5:2222', address: '10.0.0.5', user: 'ubuntu', port: 2222 },
    ]);
    expect(expandHostArg('root@[fd00::5]:22')).toEqual([
      { host: 'root@[fd00::5]:22', address: 'fd00::5', user: 'root', port: 22 },
    ]);
    expect(expandHostArg('n[1:2]:2200').map((t) => [t.address, t.port])).toEqual([
      ['n1', 2200],
      ['n2', 2200],
    ]);
  });

  it('refuses what could be an ssh option, bad ranges and nonsense, with examples', () => {
    const bad = [
      '-oProxyCommand=evil',
      '10.0.0.13-11',
      '10.0.0.1-300',
      '999.0.0.1',
      'node[3:1]',
      'node[a:3]',
      'node[1]',
      'has space',
      'a;b',
      'x:99999',
      'x:abc',
      'bad user@h',
      '',
    ];
    for (const b of bad) expect(() => expandHostArg(b), b).toThrow(HostListError);
    expect(() => expandHostArg('a;b')).toThrow(/examples: node01\.example\.com/);
  });

  it('refuses expansions that are surely typos', () => {
    expect(() => expandHostArg('10.0.0.0-10.1.0.0')).toThrow(
      new RegExp(`more than ${MAX_EXPANSION}`),
    );
    expect(() => expandHostArg('n[0:99999]')).toThrow(/more than/);
    expect(() => expandHostArg('a[0:99]b[0:99]')).toThrow(/more than/);
  });

  it('deduplicates, keeping the first', () => {
    expect(expandHostArgs(['10.0.0.1-2', '10.0.0.2', 'a', 'a']).map((t) => t.host)).toEqual([
      '10.0.0.1',
      '10.0.0.2',
      'a',
    ]);
  });

  it('property: numeric ranges have end-start+1 names of the start width', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 4 }),
        (start, len, width) => {
          const s = String(start).padStart(width, '0');
          const e = String(start + len);
          const out = expandBrackets(`h[${s}:${e}]x`);
          expect(out).toHaveLength(len + 1);
          const padded = s.length > 1 && s.startsWith('0');
          out.forEach((n, i) => {
            const num = n.slice(1, -1);
            expect(Number(num)).toBe(start + i);
            if (padded) expect(num.length).toBeGreaterThanOrEqual(s.length);
          });
        },
      ),
    );
  });

  it('property: address ranges are consecutive and inside the bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const out = expandAddressRange(`192.168.7.${lo}-${hi}`)!;
        expect(out).toHaveLength(hi - lo + 1);
        expect(out[0]).toBe(`192.168.7.${lo}`);
        expect(out[out.length - 1]).toBe(`192.168.7.${hi}`);
      }),
    );
  });
});

describe('parseInventory', () => {
  const genestack = `
all:
  vars:
    ansible_user: ubuntu
  hosts:
    controller-01.env1.example.local:
      ansible_host: 10.74.8.101
    compute-0[1:2].env1.example.local:
    network-01.env1.example.local:
      ansible_host: 10.74.8.114
      ansible_port: 2222
      ansible_user: admin
  children:
    k8s_cluster:
      children:
        kube_control_plane:
          hosts:
            controller-01.env1.example.local:
        openstack_compute_nodes:
          hosts:
            compute-01.env1.example.local:
            compute-02.env1.example.local:
        storage_nodes:
          children:
            ceph_storage_nodes:
              vars:
                ansible_user: ceph
              hosts:
                compute-02.env1.example.local:
                ceph-only.env1.example.local:
                  ansible_host: 10.74.8.90
`;

  it('reads all.hosts and group hosts, ansible_host/port/user, group membership', () => {
    const t = parseInventory(genestack);
    expect(t).toEqual([
      {
        host: 'controller-01.env1.example.local',
        address: '10.74.8.101',
        user: 'ubuntu',
        groups: ['k8s_cluster', 'kube_control_plane'],
      },
      {
        host: 'compute-01.env1.example.local',
        address: 'compute-01.env1.example.local',
        user: 'ubuntu',
        groups: ['k8s_cluster', 'openstack_compute_nodes'],
      },
      {
        host: 'compute-02.env1.example.local',
        address: 'compute-02.env1.example.local',
        user: 'ceph',
        groups: ['k8s_cluster', 'openstack_compute_nodes', 'storage_nodes', 'ceph_storage_nodes'],
      },
      {
        host: 'network-01.env1.example.local',
        address: '10.74.8.114',
        port: 2222,
        user: 'admin',
        groups: [],
      },
      {
        host: 'ceph-only.env1.example.local',
        address: '10.74.8.90',
        user: 'ceph',
        groups: ['k8s_cluster', 'storage_nodes', 'ceph_storage_nodes'],
      },
    ]);
  });

  it('bad YAML names the file, line and column', () => {
    expect(() => parseInventory('all:\n  hosts:\n    a: [\n', 'inv.yaml')).toThrow(
      /^inv\.yaml:\d+:\d+: not valid YAML/,
    );
    try {
      parseInventory('all:\n  hosts: {a: 1\n', 'inv.yaml');
    } catch (e) {
      expect((e as HostListError).line).toBeGreaterThan(0);
    }
  });

  it('refuses what is not an inventory, and an inventory without hosts', () => {
    expect(() => parseInventory('foo: 1\n', 'x.yaml')).toThrow(/x\.yaml:1:1: no "all:" group/);
    expect(() => parseInventory('all:\n  hosts: {}\n', 'x.yaml')).toThrow(/lists no hosts/);
    expect(() => parseInventory('all:\n  hosts:\n    - a\n', 'x.yaml')).toThrow(
      /x\.yaml:3:5: "hosts" of group "all" must be a mapping/,
    );
    expect(() => parseInventory('all:\n  hosts:\n    "-evil":\n', 'x.yaml')).toThrow(
      /cannot start with "-"/,
    );
  });

  it('templated values fall back to the inventory name', () => {
    const t = parseInventory(
      'all:\n  hosts:\n    n1:\n      ansible_host: "{{ lookup(\'x\') }}"\n',
    );
    expect(t[0]).toMatchObject({ host: 'n1', address: 'n1' });
  });
});
