// MetalLB pools and advertisements (reference §4.2, §3.10).
import type { ResolvedProfile } from '../profile/normalize';
import { hostRoute, metallbAddress } from './cidr';
import type { RenderSource } from './types';
import { yamlBody, yamlFile } from './yamlText';

export const METALLB_MANIFEST_PATH = 'manifests/metallb/metallb-openstack-service-lb.yml';

// Pool names are load-bearing: the Envoy gateway asks for pool gateway-api-external, RabbitMQ
// and MariaDB load balancers for pool primary (§4.2).
export const GATEWAY_POOL = 'gateway-api-external';
export const PRIMARY_POOL = 'primary';

const NAMESPACE = 'metallb-system';
// As in the sample manifest, only nodes labelled node-role.kubernetes.io/worker=worker announce
// (§4.2): with no such node the VIPs are never answered for (§8.4), so the labelling phase
// must put that label on the nodes that should carry them (§2.3).
const WORKER_SELECTOR = [{ matchLabels: { 'node-role.kubernetes.io/worker': 'worker' } }];

function pool(name: string, addresses: string[]) {
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name, namespace: NAMESPACE },
    spec: { addresses, autoAssign: false, avoidBuggyIPs: true },
  };
}

function advertisement(name: string, poolName: string) {
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'L2Advertisement',
    metadata: { name, namespace: NAMESPACE },
    spec: { ipAddressPools: [poolName], nodeSelectors: WORKER_SELECTOR },
  };
}

export function metallbDocuments(profile: ResolvedProfile) {
  const m = profile.network.metallb;
  return [
    pool(GATEWAY_POOL, [hostRoute(m.gatewayVip)]),
    advertisement('openstack-external-advertisement', GATEWAY_POOL),
    pool(PRIMARY_POOL, m.primary.map(metallbAddress)),
    advertisement('cluster-internal-advertisement', PRIMARY_POOL),
  ];
}

export function renderMetallbManifest(profile: ResolvedProfile, source: RenderSource): string {
  const [gatewayPool, gatewayAd, primaryPool, primaryAd] = metallbDocuments(profile);
  return yamlFile(
    source,
    [
      "Applied by kubectl after MetalLB is installed. Same four objects as Genestack's sample",
      'manifests/metallb/metallb-openstack-service-lb.yml; avoidBuggyIPs skips .0 and .255 addresses.',
    ],
    [
      yamlBody(gatewayPool, [
        {
          path: ['spec', 'addresses'],
          text: 'the public VIP of the Envoy gateway (network.metallb.gatewayVip)',
        },
      ]),
      yamlBody(gatewayAd),
      yamlBody(primaryPool, [
        {
          path: ['spec', 'addresses'],
          text: 'network.metallb.primary: RabbitMQ and MariaDB load balancers',
        },
      ]),
      yamlBody(primaryAd),
    ],
  );
}
