import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  OPENSTACK_SERVICE_DEFAULTS,
  OPENSTACK_SERVICES,
  type OpenStackService,
} from '../../src/profile/schema';
import {
  SERVICE_REQUIREMENTS,
  dependentsOf,
  missingDependencies,
  transitiveRequirementsOf,
  withDependencies,
  withoutDependents,
  type ServiceSelection,
} from '../../src/profile/services';

const defaults = (): ServiceSelection => ({ ...OPENSTACK_SERVICE_DEFAULTS });
const none = (): ServiceSelection =>
  Object.fromEntries(OPENSTACK_SERVICES.map((s) => [s, false])) as ServiceSelection;

describe('SERVICE_REQUIREMENTS', () => {
  it('has an entry for every service and names only known services', () => {
    expect(Object.keys(SERVICE_REQUIREMENTS).sort()).toEqual([...OPENSTACK_SERVICES].sort());
    for (const reqs of Object.values(SERVICE_REQUIREMENTS)) {
      for (const r of reqs) expect(OPENSTACK_SERVICES).toContain(r);
    }
  });

  it('makes every service except keystone require keystone directly', () => {
    for (const s of OPENSTACK_SERVICES) {
      if (s === 'keystone') expect(SERVICE_REQUIREMENTS.keystone).toEqual([]);
      else expect(SERVICE_REQUIREMENTS[s]).toContain('keystone');
    }
  });

  it('has no cycles', () => {
    for (const s of OPENSTACK_SERVICES) expect(transitiveRequirementsOf(s)).not.toContain(s);
  });

  it.each<[OpenStackService, OpenStackService[]]>([
    ['nova', ['placement', 'neutron', 'glance']],
    ['octavia', ['nova', 'neutron', 'glance']],
    ['magnum', ['heat', 'nova', 'neutron', 'glance']],
    ['masakari', ['nova']],
    ['manila', ['nova', 'neutron']],
    ['ceilometer', ['gnocchi']],
    ['cloudkitty', ['gnocchi']],
  ])('%s requires %j', (service, requires) => {
    for (const r of requires) expect(SERVICE_REQUIREMENTS[service]).toContain(r);
  });

  it('does not require optional integrations', () => {
    expect(SERVICE_REQUIREMENTS.octavia).not.toContain('barbican');
    expect(SERVICE_REQUIREMENTS.neutron).not.toContain('nova');
  });
});

describe('missingDependencies', () => {
  it('finds nothing in Genestack’s default component set', () => {
    expect(missingDependencies(defaults())).toEqual([]);
  });

  it('names each enabled service with its disabled direct requirements', () => {
    const s = { ...defaults(), placement: false, glance: false, octavia: true };
    expect(missingDependencies(s)).toEqual([
      { service: 'nova', requires: ['placement', 'glance'] },
      { service: 'octavia', requires: ['glance'] },
    ]);
  });

  it('ignores disabled services', () => {
    expect(missingDependencies({ ...none(), magnum: false })).toEqual([]);
  });
});

describe('withDependencies / withoutDependents', () => {
  it('turning magnum on turns on its whole chain', () => {
    const s = withDependencies(none(), 'magnum');
    const on = OPENSTACK_SERVICES.filter((x) => s[x]);
    expect(on.sort()).toEqual(
      ['glance', 'heat', 'keystone', 'magnum', 'neutron', 'nova', 'placement'].sort(),
    );
  });

  it('does not mutate its input', () => {
    const input = none();
    withDependencies(input, 'nova');
    expect(input.nova).toBe(false);
  });

  it('turning nova off turns off what needs it, and nothing else', () => {
    const all = Object.fromEntries(OPENSTACK_SERVICES.map((s) => [s, true])) as ServiceSelection;
    const s = withoutDependents(all, 'nova');
    const off = OPENSTACK_SERVICES.filter((x) => !s[x]);
    expect(off.sort()).toEqual(['nova', ...dependentsOf('nova')].sort());
    expect(off).toEqual(expect.arrayContaining(['octavia', 'magnum', 'masakari', 'manila']));
    expect(s.glance && s.neutron && s.keystone).toBe(true);
  });

  it('any selection plus withDependencies leaves nothing missing for that service', () => {
    const selection = fc.record(
      Object.fromEntries(OPENSTACK_SERVICES.map((s) => [s, fc.boolean()])) as {
        [K in OpenStackService]: fc.Arbitrary<boolean>;
      },
    );
    fc.assert(
      fc.property(selection, fc.constantFrom(...OPENSTACK_SERVICES), (s, service) => {
        const next = withDependencies(s, service);
        expect(next[service]).toBe(true);
        expect(missingDependencies(next).find((m) => m.service === service)).toBeUndefined();
        // and turning a service off leaves no enabled service depending on it
        const off = withoutDependents(next, service);
        for (const m of missingDependencies(off)) expect(m.requires).not.toContain(service);
      }),
    );
  });
});
