// openstack-components.yaml (reference §3.20) and the public endpoint overrides (§4.4).
import type { ResolvedProfile } from '../profile/normalize';
import { OPENSTACK_SERVICES, type OpenStackService } from '../profile/vocabulary';
import type { RenderSource } from './types';
import { yamlBody, yamlFile } from './yamlText';

export const COMPONENTS_PATH = 'openstack-components.yaml';
export const ENDPOINTS_PATH = 'helm-configs/global_overrides/endpoints.yaml';

export function renderComponents(profile: ResolvedProfile, source: RenderSource): string {
  // Alphabetical, like the repo's own openstack-components.yaml.
  const components = Object.fromEntries(
    [...OPENSTACK_SERVICES].sort().map((s) => [s, profile.openstack.services[s]]),
  );
  return yamlFile(
    source,
    [
      'bin/setup-openstack.sh installs a service when this file has a line matching',
      '"^\\s*<name>:\\s*true" (case-insensitive); without the file it prompts for each one.',
    ],
    [yamlBody({ components })],
  );
}

interface EndpointType {
  /** openstack-helm `endpoints.<type>` key */
  type: string;
  /** first label of the public host: <host>.<domain> */
  host: string;
  /** key under `port:` that carries the public port */
  port: string;
}

/**
 * Service -> openstack-helm endpoint types and public host names. Taken from the lab's
 * writeEndpointsConfig (scripts/lib/hyperconverged-common.sh) and checked against the
 * HTTPRoute host names Genestack ships (etc/gateway-api/routes/*.yaml): "The fqdn in the
 * httproute and helm overrides must be the same" (§4.4). Services without a route or without
 * a catalog endpoint are left out on purpose: horizon and trove (no route ships), skyline (a
 * UI, not in the catalog), ceilometer (no API). designate's `dns` type is from its base
 * helm overrides; heat's cloudwatch type is left out (no route ships).
 */
export const PUBLIC_ENDPOINTS: Partial<Record<OpenStackService, readonly EndpointType[]>> = {
  keystone: [{ type: 'identity', host: 'keystone', port: 'api' }],
  glance: [{ type: 'image', host: 'glance', port: 'api' }],
  nova: [
    { type: 'compute', host: 'nova', port: 'api' },
    { type: 'compute_metadata', host: 'metadata', port: 'metadata' },
    { type: 'compute_novnc_proxy', host: 'novnc', port: 'novnc_proxy' },
  ],
  placement: [{ type: 'placement', host: 'placement', port: 'api' }],
  neutron: [{ type: 'network', host: 'neutron', port: 'api' }],
  cinder: [
    { type: 'volume', host: 'cinder', port: 'api' },
    { type: 'volumev2', host: 'cinder', port: 'api' },
    { type: 'volumev3', host: 'cinder', port: 'api' },
  ],
  heat: [
    { type: 'orchestration', host: 'heat', port: 'api' },
    { type: 'cloudformation', host: 'cloudformation', port: 'api' },
  ],
  barbican: [{ type: 'key_manager', host: 'barbican', port: 'api' }],
  octavia: [{ type: 'load_balancer', host: 'octavia', port: 'api' }],
  magnum: [{ type: 'container_infra', host: 'magnum', port: 'api' }],
  manila: [
    { type: 'share', host: 'manila', port: 'api' },
    { type: 'sharev2', host: 'manila', port: 'api' },
  ],
  masakari: [{ type: 'instance_ha', host: 'masakari', port: 'api' }],
  gnocchi: [{ type: 'metric', host: 'gnocchi', port: 'api' }],
  cloudkitty: [{ type: 'rating', host: 'cloudkitty', port: 'api' }],
  blazar: [{ type: 'reservation', host: 'blazar', port: 'api' }],
  freezer: [{ type: 'backup', host: 'freezer', port: 'api' }],
  zaqar: [{ type: 'messaging', host: 'zaqar', port: 'api' }],
  designate: [{ type: 'dns', host: 'designate', port: 'api' }],
};

export function publicEndpoints(profile: ResolvedProfile) {
  const domain = profile.network.gateway.domain;
  const endpoints: Record<string, unknown> = {};
  for (const service of OPENSTACK_SERVICES) {
    if (!profile.openstack.services[service]) continue;
    for (const e of PUBLIC_ENDPOINTS[service] ?? []) {
      endpoints[e.type] = {
        // tls: {} as in Genestack's examples: TLS ends at the gateway, not in the pods.
        host_fqdn_override: { public: { tls: {}, host: `${e.host}.${domain}` } },
        port: { [e.port]: { public: 443 } },
        scheme: { public: 'https' },
      };
    }
  }
  return endpoints;
}

export function renderEndpoints(profile: ResolvedProfile, source: RenderSource): string {
  return yamlFile(
    source,
    [
      'Every install-<service>.sh reads helm-configs/global_overrides/*.yaml. Public catalog',
      'endpoints become https://<service>.<gateway domain>:443, the host names of the HTTPRoutes',
      'setup-envoy-gateway.sh creates. Only enabled services are listed.',
    ],
    [yamlBody({ endpoints: publicEndpoints(profile) })],
  );
}
