// The address forms Genestack's files expect, from already-validated profile values. The
// arithmetic is src/net's; these throw on anything unreadable rather than guess.
import { formatAddress, parseCidr, parseRange, type Parsed } from '../net/ipv4';

function must<T>(parsed: Parsed<T>, what: string): T {
  if (!parsed.ok) throw new Error(`${what}: ${parsed.reason}`);
  return parsed.value;
}

/**
 * The first usable address of an IPv4 CIDR, which Kube-OVN uses as the pod gateway
 * (base overrides: POD_CIDR 10.236.0.0/14 -> POD_GATEWAY 10.236.0.1, reference §3.6).
 */
export function firstHostAddress(cidr: string): string {
  const net = must(parseCidr(cidr.trim()), `"${cidr}"`);
  if ((net.prefix ?? 32) > 30) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR with a prefix of /30 or shorter`);
  }
  return formatAddress(net.start + 1);
}

/** A single address as a host route: MetalLB pools take CIDRs or `a-b` ranges only. */
export function hostRoute(address: string): string {
  const a = address.trim();
  return a.includes('/') ? a : `${a}/32`;
}

/**
 * One entry of the profile's metallb.primary list in the form MetalLB's IPAddressPool accepts:
 * a range stays `a-b` (spaces dropped), a CIDR is written as its network, a single address
 * becomes /32.
 */
export function metallbAddress(entry: string): string {
  const r = must(parseRange(entry), `metallb entry "${entry}"`);
  return r.kind === 'address' ? `${r.normalized}/32` : r.normalized;
}
