import type { ScreenId } from '../src/state/wizard';

export const SCREEN_HELP: Record<ScreenId, string> = {
  home: 'Start a new guided setup, open a saved profile (recent ones are listed), attach to a running deployment, or look at past runs.',
  hosts:
    'Type or paste host names, addresses and ranges separated by spaces or commas: node[1-3].example.com, 10.0.0.10-10.0.0.12, user@host:2222. Or give the path of an existing Genestack inventory.yaml and press Ctrl+O. The SSH user, port, key and jump host are remembered for next time.',
  discovery:
    'Each host is reached over SSH and probed (read-only). Facts appear as they arrive. A failed host shows why and how to fix it; r retries it, R retries all failed hosts. For an unknown host key, compare the fingerprint with the host’s console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) before pressing a. n renames the selected host (its inventory and Kubernetes node name; an FQDN such as node1.cloud.example.com); a host typed as an address is named after its discovered FQDN.',
  topology:
    'Hyperconverged: every host runs everything (control plane, network, compute, storage). Good for labs and small clouds (up to ~5 hosts). Full-scale: the first three hosts run the control planes, the others are compute/network hosts; storage goes to hosts with free disks. Needs 6 or more hosts to be worth it.',
  roles:
    'Roles are assigned from the topology and hardware. Move with ↑/↓ between hosts and ←/→ between roles; Space adds or removes a role; x returns the host to automatic roles. The checks on the right come from the role hardware requirements.',
  network:
    'The management interface holds the address each host was reached on. The provider interface is handed to OVN (br-ex): it must exist on every host, be up, and carry no address. ←/→ cycles through the interfaces the hosts actually have. The pod, service and join networks are Genestack’s defaults; change them only if they overlap your networks.',
  storage:
    'Longhorn replicates volumes over the hosts’ local disks. Rook/Ceph runs Ceph on whole disks: eligible (empty) disks are preselected; a disk that holds anything is shown with the reason and can only be selected after you acknowledge wiping that specific disk (w). External Ceph uses an existing cluster. TopoLVM gives local LVM volumes from a volume group created on the disks you pick. Cinder LVM workers need a volume group, a backend name and disks; NetApp workers a backend name. Disks for LVM follow the same wipe rule as Ceph disks.',
  services:
    'Choose the OpenStack services to deploy. Turning a service on also turns on what it needs; turning one off turns off what depends on it.',
  review:
    'Every choice, every warning, the inventory and the deployment phases. p edits the profile path, c the folder for Genestack’s config files; s saves the profile and writes the config files (showing a diff where a file already exists); d then deploys.',
};
