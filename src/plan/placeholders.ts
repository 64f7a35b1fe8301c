// ${placeholders} of the phase catalog: the only way profile values reach a phase's argv, cwd,
// environment and checks. Each one is a whole argv element or a path fragment; nothing here is
// ever handed to a shell (shell scripts in the catalog receive profile values as environment
// variables, see catalog.ts).
import path from 'node:path';
import type { ResolvedProfile } from '../profile/normalize';

export interface PlaceholderContext {
  profile: ResolvedProfile;
  /** Home directory of the user the engine runs as. */
  home: string;
  /** Login name of that user (owner of /etc/genestack after bootstrap). */
  localUser: string;
  /** Genestack's Ansible venv; default <home>/.venvs/genestack (reference §1.3, §1.4). */
  venvDir?: string;
  /** Directory of the catalog file, for catalogs loaded from a file. */
  catalogDir?: string;
}

export interface PlaceholderDef {
  description: string;
  /** Where the value comes from: the profile, or the machine the installer runs on. */
  source: 'profile' | 'host';
  /** The profile field behind it, named when it has no value. */
  profilePath?: string;
  value(ctx: PlaceholderContext): string | undefined;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.posix.join(home, p.slice(2)) : p;
}

function venvDir(ctx: PlaceholderContext): string {
  return ctx.venvDir ?? path.posix.join(ctx.home, '.venvs', 'genestack');
}

function cinderBackendName(p: ResolvedProfile): string | undefined {
  // Defaults as in the inventory writer (src/genestack/inventory.ts): the lab's lvmdriver-1 and
  // the example inventory's netapp-iscsi-1 (reference §2.2, §2.4).
  if (p.storage.cinder === 'lvm') return p.storage.cinderLvm?.backendName ?? 'lvmdriver-1';
  if (p.storage.cinder === 'netapp') return p.storage.cinderNetapp?.backendName ?? 'netapp-iscsi-1';
  return undefined;
}

export const PLACEHOLDERS: Readonly<Record<string, PlaceholderDef>> = {
  repoDir: {
    description: 'the Genestack checkout (default /opt/genestack)',
    source: 'profile',
    profilePath: 'genestack.repoDir',
    value: (c) => c.profile.genestack.repoDir,
  },
  configDir: {
    description: 'Genestack’s config root, GENESTACK_CONFIG (default /etc/genestack)',
    source: 'profile',
    profilePath: 'genestack.configDir',
    value: (c) => c.profile.genestack.configDir,
  },
  inventoryDir: {
    description: 'the Ansible inventory directory, ANSIBLE_INVENTORY (<configDir>/inventory)',
    source: 'profile',
    profilePath: 'genestack.configDir',
    value: (c) => path.posix.join(c.profile.genestack.configDir, 'inventory'),
  },
  kubesprayDir: {
    description: 'the Kubespray submodule (<repoDir>/submodules/kubespray)',
    source: 'profile',
    profilePath: 'genestack.repoDir',
    value: (c) => path.posix.join(c.profile.genestack.repoDir, 'submodules', 'kubespray'),
  },
  kubeconfig: {
    description: 'the kubeconfig the installer writes and uses (default ~/.kube/config)',
    source: 'profile',
    profilePath: 'genestack.kubeconfig',
    value: (c) =>
      expandHome(
        c.profile.genestack.kubeconfig ?? path.posix.join(c.home, '.kube', 'config'),
        c.home,
      ),
  },
  region: {
    description: 'the OpenStack region',
    source: 'profile',
    profilePath: 'openstack.region',
    value: (c) => c.profile.openstack.region,
  },
  domain: {
    description: 'the public domain: endpoints are <service>.<domain>',
    source: 'profile',
    profilePath: 'network.gateway.domain',
    value: (c) => c.profile.network.gateway.domain,
  },
  acmeEmail: {
    description: 'the Let’s Encrypt account e-mail (no value: self-signed certificates)',
    source: 'profile',
    profilePath: 'network.gateway.acmeEmail',
    value: (c) => c.profile.network.gateway.acmeEmail || undefined,
  },
  gatewayVip: {
    description: 'the address of MetalLB pool gateway-api-external',
    source: 'profile',
    profilePath: 'network.metallb.gatewayVip',
    value: (c) => c.profile.network.metallb.gatewayVip,
  },
  clusterName: {
    description: 'the Kubernetes cluster name (cluster_name)',
    source: 'profile',
    profilePath: 'kubernetes.clusterName',
    value: (c) => c.profile.kubernetes.clusterName,
  },
  physnet: {
    description: 'the Neutron physical network of the provider bridge (default physnet1)',
    source: 'profile',
    profilePath: 'network.ovn.physnet',
    value: (c) => c.profile.network.ovn.physnet,
  },
  availabilityZone: {
    description: 'the availability zone (default az1)',
    source: 'profile',
    profilePath: 'network.ovn.availabilityZone',
    value: (c) => c.profile.network.ovn.availabilityZone,
  },
  cinderBackendName: {
    description: 'the Cinder backend of the volume workers (no value when storage.cinder is none)',
    source: 'profile',
    profilePath: 'storage.cinder',
    value: (c) => cinderBackendName(c.profile),
  },
  profileName: {
    description: 'metadata.name of the profile',
    source: 'profile',
    profilePath: 'metadata.name',
    value: (c) => c.profile.metadata.name,
  },
  home: {
    description: 'the home directory of the user the installer runs as',
    source: 'host',
    value: (c) => c.home,
  },
  localUser: {
    description: 'the login name of the user the installer runs as',
    source: 'host',
    value: (c) => c.localUser,
  },
  venvDir: {
    description: 'Genestack’s Python venv (default ~/.venvs/genestack)',
    source: 'host',
    value: (c) => venvDir(c),
  },
  venvBin: {
    description: 'the venv’s bin directory: ansible-playbook, ansible, openstack',
    source: 'host',
    value: (c) => path.posix.join(venvDir(c), 'bin'),
  },
  catalogDir: {
    description: 'the directory of a catalog loaded with --catalog (no value for the built-in one)',
    source: 'host',
    value: (c) => c.catalogDir,
  },
};

export const PLACEHOLDER_NAMES = Object.keys(PLACEHOLDERS);

/** `${name}`: any identifier between the braces. */
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholder names in a template, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

export interface Resolved {
  text: string;
  /** Placeholders that had no value; they stay in `text` as written. */
  missing: string[];
  /** True when a profile-derived value went into the text. */
  fromProfile: boolean;
}

/** Values of every placeholder for one profile and host. */
export function placeholderValues(ctx: PlaceholderContext): Map<string, string | undefined> {
  return new Map(PLACEHOLDER_NAMES.map((n) => [n, PLACEHOLDERS[n]!.value(ctx)]));
}

/** Replaces every known placeholder in `text`. Unknown names are a catalog error caught at load. */
export function resolveTemplate(
  text: string,
  values: ReadonlyMap<string, string | undefined>,
): Resolved {
  const missing: string[] = [];
  let fromProfile = false;
  const out = text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = values.get(name);
    if (v === undefined) {
      missing.push(name);
      return whole;
    }
    if (PLACEHOLDERS[name]?.source === 'profile') fromProfile = true;
    return v;
  });
  return { text: out, missing, fromProfile };
}
