// The environment Genestack's install scripts read (reference §1.4, §3.4-§3.7, §8.4).
import type { ResolvedProfile } from '../profile/normalize';
import { headerLines } from './yamlText';
import type { RenderSource } from './types';

export const ENV_PATH = 'genestack-installer.env';

/**
 * Variables for every install phase, in a fixed order. No secrets: this file is plain text
 * under /etc/genestack and may be copied into support bundles.
 */
export function installerEnvironment(profile: ResolvedProfile): Array<[string, string]> {
  const g = profile.genestack;
  const net = profile.network;
  const env: Array<[string, string]> = [
    // scripts/genestack.rc and every install-*.sh (§1.4); install-sealed-secrets.sh has no
    // default for GENESTACK_OVERRIDES_DIR, so it is always set.
    ['GENESTACK_CONFIG', g.configDir],
    ['GENESTACK_BASE_DIR', g.repoDir],
    ['GENESTACK_OVERRIDES_DIR', g.configDir],
    // setup-infrastructure.sh prompts when either is empty (§8.4). An empty ACME_EMAIL means
    // a self-signed gateway certificate; the installer then runs setup-envoy-gateway.sh
    // without -e rather than the prompting driver.
    ['ACME_EMAIL', net.gateway.acmeEmail ?? ''],
    ['GATEWAY_DOMAIN', net.gateway.domain],
    // Kube-OVN interface (setup-infrastructure.sh, §3.6) and the IP-less provider interface
    // OVN takes for br-ex (§3.5, §4.1); the two must differ.
    ['CONTAINER_INTERFACE', net.managementInterface],
    ['CONTAINER_VLAN_INTERFACE', net.managementInterface],
    ['COMPUTE_INTERFACE', net.providerInterface],
    ['OVN_EXTERNAL_INTERFACE', net.providerInterface],
    // labels every node with every OpenStack role in setup-infrastructure.sh (§3.4)
    ['HYPERCONVERGED', profile.topology === 'hyperconverged' ? 'true' : 'false'],
    // install-mariadb-operator.sh writes it into the operator's clusterName (§2.4)
    ['CLUSTER_NAME', profile.kubernetes.clusterName],
  ];
  if (profile.storage.backend === 'longhorn') {
    // numberOfReplicas of StorageClass general (setup-infrastructure.sh, §3.7)
    env.push(['LONGHORN_STORAGE_REPLICAS', String(profile.storage.longhorn?.replicas ?? 2)]);
  }
  return env;
}

// Values are single-quoted when they hold anything but plain characters, so the file can be
// read by `set -a; . file` as well as split on the first `=`.
function envValue(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]*$/.test(value) ? value : `'${value.replace(/'/g, `'"'"'`)}'`;
}

export function renderEnvFile(profile: ResolvedProfile, source: RenderSource): string {
  const lines = [
    ...headerLines(source),
    "# KEY=value lines (no secrets): the environment of the install phases that run Genestack's scripts.",
    ...installerEnvironment(profile).map(([k, v]) => `${k}=${envValue(v)}`),
  ];
  return `${lines.join('\n')}\n`;
}
