// Kube-OVN helm overrides (reference §3.6, §2.4).
import type { ResolvedProfile } from '../profile/normalize';
import { firstHostAddress } from './cidr';
import type { RenderSource } from './types';
import { yamlBody, yamlFile } from './yamlText';

export const KUBE_OVN_OVERRIDES_PATH = 'helm-configs/kube-ovn/kube-ovn-helm-overrides.yaml';

export function kubeOvnValues(profile: ResolvedProfile) {
  const net = profile.network;
  return {
    networking: {
      IFACE: net.managementInterface,
      vlan: { VLAN_INTERFACE_NAME: net.managementInterface },
    },
    ipv4: {
      POD_CIDR: net.podCidr,
      POD_GATEWAY: firstHostAddress(net.podCidr),
      SVC_CIDR: net.serviceCidr,
      JOIN_CIDR: net.joinCidr,
    },
  };
}

export function renderKubeOvnOverrides(profile: ResolvedProfile, source: RenderSource): string {
  return yamlFile(
    source,
    [
      'install-kube-ovn.sh layers this over /opt/genestack/base-helm-configs/kube-ovn/, so only the',
      'keys the profile decides are here. Key layout: networking.IFACE and',
      'networking.vlan.VLAN_INTERFACE_NAME as in the Kube-OVN doc and setup-infrastructure.sh;',
      'ipv4.POD_CIDR, POD_GATEWAY, SVC_CIDR and JOIN_CIDR at the top level as in the base',
      "overrides file. The helm conversion doc maps Kubespray's kube_ovn_iface -> IFACE,",
      'kube_ovn_default_interface_name -> VLAN_INTERFACE_NAME, kube_pods_subnet -> POD_CIDR,',
      'kube_service_addresses -> SVC_CIDR, kube_ovn_node_switch_cidr -> JOIN_CIDR (docs/k8s-cni-kube-ovn-helm-conversion.md).',
    ],
    [
      yamlBody(kubeOvnValues(profile), [
        {
          path: ['ipv4', 'POD_CIDR'],
          text: 'same as kube_pods_subnet',
          at: 'inline',
        },
        {
          path: ['ipv4', 'POD_GATEWAY'],
          text: 'first address of POD_CIDR',
          at: 'inline',
        },
        {
          path: ['ipv4', 'SVC_CIDR'],
          text: 'same as kube_service_addresses',
          at: 'inline',
        },
        {
          path: ['ipv4', 'JOIN_CIDR'],
          text: 'node switch "join"',
          at: 'inline',
        },
      ]),
    ],
  );
}
