// Which OpenStack services need which others, as data. Used by the profile rules (an enabled
// service whose requirements are off is an error) and by the wizard (turning a service on turns
// on what it needs; turning one off shows what depends on it).
import type { OpenStackService } from './vocabulary';
import { OPENSTACK_SERVICES } from './vocabulary';

export type ServiceSelection = Record<OpenStackService, boolean>;

/**
 * Hard requirements only: services without which the dependent one cannot install or cannot do
 * its job. Optional integrations are left out on purpose and noted next to the entry.
 * Every service authenticates against Keystone, which setup-openstack.sh installs first and
 * alone (reference §3.19, §3.20).
 */
export const SERVICE_REQUIREMENTS = {
  keystone: [],
  glance: ['keystone'],
  heat: ['keystone'],
  // Optional for Octavia (TLS listeners); required by nothing here.
  barbican: ['keystone'],
  // Host reservations are Nova aggregates and Placement reservation classes.
  blazar: ['keystone', 'nova', 'placement'],
  // The API and scheduler only; where volumes live is a storage choice (rule cinder-volume-backend).
  cinder: ['keystone'],
  // Neutron integration (floating IP PTR records) is optional.
  designate: ['keystone'],
  // Trove guests are Nova instances booted from Glance images on Neutron networks. Cinder is
  // only needed with volume support, so it is not required here.
  trove: ['keystone', 'nova', 'neutron', 'glance'],
  placement: ['keystone'],
  // Nova schedules through Placement, boots from Glance images and plugs Neutron ports
  // (reference §3.20, phase P26).
  nova: ['keystone', 'placement', 'neutron', 'glance'],
  // Nova notifications are optional for Neutron; OVN comes from Kube-OVN, not a service here.
  neutron: ['keystone'],
  // Magnum builds clusters as Heat stacks of Nova servers on Neutron networks from Glance images.
  magnum: ['keystone', 'heat', 'nova', 'neutron', 'glance'],
  // Amphorae are Nova instances from a Glance image on a Neutron network (reference §3.22,
  // phase P30). Barbican is only for TLS-terminated listeners: optional.
  octavia: ['keystone', 'nova', 'neutron', 'glance'],
  // Masakari evacuates and restarts Nova instances.
  masakari: ['keystone', 'nova'],
  // The generic share driver runs share servers as Nova instances on Neutron networks.
  manila: ['keystone', 'nova', 'neutron'],
  // Genestack's ceilometer overrides dispatch meters and events to gnocchi only
  // (base-helm-configs/ceilometer: meter_dispatchers/event_dispatchers = gnocchi).
  ceilometer: ['keystone', 'gnocchi'],
  gnocchi: ['keystone'],
  // CloudKitty's default collector and fetcher are gnocchi and Genestack's overrides keep them
  // (base-helm-configs/cloudkitty sets no collector).
  cloudkitty: ['keystone', 'gnocchi'],
  skyline: ['keystone'],
  horizon: ['keystone'],
  freezer: ['keystone'],
  zaqar: ['keystone'],
} as const satisfies Record<OpenStackService, readonly OpenStackService[]>;

/** The direct requirements of a service. */
export function requirementsOf(service: OpenStackService): readonly OpenStackService[] {
  return SERVICE_REQUIREMENTS[service];
}

/** Every service `service` needs, directly or through another, in table order. */
export function transitiveRequirementsOf(service: OpenStackService): OpenStackService[] {
  const seen = new Set<OpenStackService>();
  const visit = (s: OpenStackService) => {
    for (const r of requirementsOf(s)) {
      if (seen.has(r)) continue;
      seen.add(r);
      visit(r);
    }
  };
  visit(service);
  seen.delete(service);
  return OPENSTACK_SERVICES.filter((s) => seen.has(s));
}

/** Every service that needs `service`, directly or through another, in table order. */
export function dependentsOf(service: OpenStackService): OpenStackService[] {
  return OPENSTACK_SERVICES.filter(
    (s) => s !== service && transitiveRequirementsOf(s).includes(service),
  );
}

/**
 * Each enabled service whose direct requirements are not all enabled, with the missing ones.
 * Services are listed in table order, so output is stable.
 */
export function missingDependencies(
  services: ServiceSelection,
): Array<{ service: OpenStackService; requires: OpenStackService[] }> {
  const out: Array<{ service: OpenStackService; requires: OpenStackService[] }> = [];
  for (const service of OPENSTACK_SERVICES) {
    if (!services[service]) continue;
    const requires = requirementsOf(service).filter((r) => !services[r]);
    if (requires.length > 0) out.push({ service, requires });
  }
  return out;
}

/** A copy of `services` with `service` and everything it needs (transitively) turned on. */
export function withDependencies(
  services: ServiceSelection,
  service: OpenStackService,
): ServiceSelection {
  const next = { ...services, [service]: true };
  for (const r of transitiveRequirementsOf(service)) next[r] = true;
  return next;
}

/** A copy of `services` with `service` and everything that needs it (transitively) turned off. */
export function withoutDependents(
  services: ServiceSelection,
  service: OpenStackService,
): ServiceSelection {
  const next = { ...services, [service]: false };
  for (const d of dependentsOf(service)) next[d] = false;
  return next;
}
