// Interfaces usable as the OVN provider interface (br-ex port, `ovn.openstack.org/ports`).
// Genestack's ovn-setup enslaves the port to OVS; an address on it is not migrated and the
// link must already be up (reference §4.1, §4.3; rackerlabs/genestack#1538). So a candidate
// must exist under the same name on every chosen host, be up, and carry no address.
import type { HostFacts, NicFacts } from './types';

export type ProviderRejection =
  | 'missing'
  | 'hasAddress'
  | 'addressesUnknown'
  | 'down'
  | 'enslaved'
  | 'vlanParent'
  | 'defaultRoute';

export interface ProviderHostCheck {
  host: string;
  ok: boolean;
  reasons: { code: ProviderRejection; message: string }[];
}

export interface ProviderCandidate {
  name: string;
  /** Usable on every host given. */
  usable: boolean;
  hosts: ProviderHostCheck[];
}

/** fe80::/10 addresses come with every up IPv6 interface; they do not count as "an IP". */
export function isLinkLocal(cidr: string): boolean {
  const addr = cidr.split('/')[0]?.toLowerCase() ?? '';
  return /^fe[89ab][0-9a-f]:/.test(addr);
}

function candidateKind(n: NicFacts): boolean {
  return n.kind === 'physical' || n.kind === 'bond' || n.kind === 'vlan';
}

function checkOne(host: string, facts: HostFacts, name: string): ProviderHostCheck {
  const nic = facts.nics.find((n) => n.name === name);
  const reasons: ProviderHostCheck['reasons'] = [];
  if (nic === undefined) {
    reasons.push({ code: 'missing', message: `${host} has no interface ${name}` });
    return { host, ok: false, reasons };
  }
  const addrs = nic.addresses.filter((a) => !isLinkLocal(a));
  if (!facts.nicAddressesKnown) {
    reasons.push({
      code: 'addressesUnknown',
      message: `${name} on ${host}: addresses unknown (no \`ip -j\` on the host)`,
    });
  } else if (addrs.length > 0) {
    reasons.push({
      code: 'hasAddress',
      message: `${name} on ${host} carries ${addrs.join(', ')}: OVN would take the port and the address would stop working`,
    });
  }
  if (nic.state !== 'up') {
    reasons.push({
      code: 'down',
      message: `${name} on ${host} is ${nic.state}: bring it up with no address (e.g. a netplan entry without addresses)`,
    });
  }
  if (nic.master !== null) {
    reasons.push({ code: 'enslaved', message: `${name} on ${host} is a port of ${nic.master}` });
  }
  const vlans = facts.nics.filter((n) => n.vlan?.parent === name).map((n) => n.name);
  if (vlans.length > 0) {
    reasons.push({
      code: 'vlanParent',
      message: `${name} on ${host} carries VLAN interfaces (${vlans.join(', ')}) that OVN would cut off; use a VLAN instead`,
    });
  }
  if (nic.defaultRoute) {
    reasons.push({ code: 'defaultRoute', message: `${name} on ${host} carries the default route` });
  }
  return { host, ok: reasons.length === 0, reasons };
}

/**
 * Every physical, bond or VLAN interface name seen on any host, judged on all of them;
 * usable ones first.
 */
export function providerInterfaceCandidates(
  hosts: readonly { host: string; facts: HostFacts }[],
): ProviderCandidate[] {
  const names = new Set<string>();
  for (const h of hosts) for (const n of h.facts.nics) if (candidateKind(n)) names.add(n.name);
  const out = [...names].map((name) => {
    const checks = hosts.map((h) => checkOne(h.host, h.facts, name));
    return { name, usable: hosts.length > 0 && checks.every((c) => c.ok), hosts: checks };
  });
  return out.sort((a, b) => Number(b.usable) - Number(a.usable) || a.name.localeCompare(b.name));
}
