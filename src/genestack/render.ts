// Everything the installer writes under genestack.configDir, rendered from a resolved
// profile. Pure: same profile and source in, same bytes out, no clock, no file system.
import type { ResolvedProfile } from '../profile/normalize';
import { COMPONENTS_PATH, ENDPOINTS_PATH, renderComponents, renderEndpoints } from './components';
import { ENV_PATH, renderEnvFile } from './env';
import {
  ALL_VARS_PATH,
  INVENTORY_PATH,
  K8S_CLUSTER_VARS_PATH,
  renderAllVars,
  renderInventory,
  renderK8sClusterVars,
} from './inventory';
import { KUBE_OVN_OVERRIDES_PATH, renderKubeOvnOverrides } from './kubeOvn';
import { METALLB_MANIFEST_PATH, renderMetallbManifest } from './metallb';
import { renderStorageFiles } from './storage';
import type { RenderedFile, RenderSource } from './types';

export type { RenderedFile, RenderSource } from './types';

/** In the order a deployment reads them: inventory first, OpenStack last. */
export function renderConfigFiles(profile: ResolvedProfile, source: RenderSource): RenderedFile[] {
  return [
    {
      path: INVENTORY_PATH,
      description: 'Ansible inventory: hosts and Genestack groups (Kubespray, host-setup)',
      content: renderInventory(profile, source),
    },
    {
      path: K8S_CLUSTER_VARS_PATH,
      description: 'Kubespray settings: pod and service CIDRs, no CNI, strict ARP',
      content: renderK8sClusterVars(profile, source),
    },
    {
      path: ALL_VARS_PATH,
      description: 'host-setup settings for every host (lab-only tenant SNAT off)',
      content: renderAllVars(profile, source),
    },
    {
      path: KUBE_OVN_OVERRIDES_PATH,
      description: 'Kube-OVN helm overrides: interface and CIDRs',
      content: renderKubeOvnOverrides(profile, source),
    },
    ...renderStorageFiles(profile, source),
    {
      path: METALLB_MANIFEST_PATH,
      description: 'MetalLB pools gateway-api-external and primary with their advertisements',
      content: renderMetallbManifest(profile, source),
    },
    {
      path: ENDPOINTS_PATH,
      description: 'public endpoint host names of the enabled OpenStack services',
      content: renderEndpoints(profile, source),
    },
    {
      path: COMPONENTS_PATH,
      description: 'OpenStack services setup-openstack.sh installs',
      content: renderComponents(profile, source),
    },
    {
      path: ENV_PATH,
      description: 'environment of the install phases (interfaces, domain, topology)',
      content: renderEnvFile(profile, source),
    },
  ];
}
