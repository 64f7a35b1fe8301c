// What the dashboard shows when a run completes: what was deployed, the endpoints and how to get
// credentials, durations per phase, and where the logs are. A pure function of the run's state
// and its profile copy (profile.yaml in the run folder), so every viewer says the same.
//
// Endpoints are the ones the installer itself configured: src/genestack/components.ts gives each
// service's public host names, https://<host>.<network.gateway.domain> (the HTTPRoutes Genestack's
// envoy gateway serves). Credentials: Genestack keeps the admin password in the Kubernetes secret
// openstack/keystone-admin, and bin/setup-openstack-rc.sh (the openstack-rc phase) writes the
// cloud "default" into ~/.config/openstack/clouds.yaml from the Keystone chart's secret
// keystone-keystone-admin. The summary gives the commands, never a secret.
import path from 'node:path';
import { PUBLIC_ENDPOINTS } from '../genestack/components';
import { loadProfileText } from '../profile/load';
import { OPENSTACK_SERVICES, type OpenStackService } from '../profile/vocabulary';
import type { PhaseState, RunState } from './runState';

export interface CompletionSummary {
  /** Services deployed (their titles), in plan order. */
  deployed: string[];
  /** Public endpoints, e.g. { name: 'Keystone', url: 'https://keystone.cloud.example.com' }. */
  endpoints: Array<{ name: string; url: string }>;
  /** Lines telling how to get credentials (clouds.yaml). */
  credentials: string[];
  /** Phase durations in plan order (ms), slowest first is the viewer's choice. */
  durations: Array<{ phaseId: string; title: string; durationMs: number | null; status: string }>;
  /** Where the run's logs are. */
  logsDir: string;
}

const SERVICE_SET = new Set<string>(OPENSTACK_SERVICES);

/** A phase that left its work done: it succeeded, or its done-checks passed before it ran. */
function isDone(p: PhaseState): boolean {
  if (p.status === 'succeeded') return true;
  // A skip is "done" only when the phase's checks found its work already there; skipped by
  // the profile or by the operator, nothing was deployed.
  return (
    p.status === 'skipped' &&
    p.logTail.some((l) => l.line.startsWith('[installer] skipped: its done-checks already pass'))
  );
}

function titleOf(service: string): string {
  return service.charAt(0).toUpperCase() + service.slice(1);
}

/** The summary of a completed run; `profileText` is the run's profile.yaml. */
export function completionSummary(
  state: RunState,
  profileText: string | null,
  runDir: string,
): CompletionSummary {
  const profile = profileText === null ? undefined : loadProfileText(profileText).profile;
  const enabled = (s: string) =>
    profile === undefined || profile.openstack.services[s as OpenStackService] === true;

  // Services: the phases named after an OpenStack service (the catalog's install-<service>
  // phases) that are done and that the profile enables.
  const deployedServices = state.phases.filter(
    (p) => p.planned && SERVICE_SET.has(p.id) && isDone(p) && enabled(p.id),
  );
  const deployed = deployedServices.map((p) => p.title);

  const endpoints: CompletionSummary['endpoints'] = [];
  const domain = profile?.network.gateway.domain;
  if (domain !== undefined) {
    const seen = new Set<string>();
    for (const p of deployedServices) {
      for (const e of PUBLIC_ENDPOINTS[p.id as OpenStackService] ?? []) {
        const url = `https://${e.host}.${domain}`;
        if (seen.has(url)) continue;
        seen.add(url);
        endpoints.push({
          name: e.host === p.id ? titleOf(p.id) : `${titleOf(p.id)} (${e.host})`,
          url,
        });
      }
    }
    // Skyline is a UI, not a catalog endpoint; it has its own route (reference: install-skyline.sh).
    if (deployedServices.some((p) => p.id === 'skyline')) {
      endpoints.push({ name: 'Skyline (dashboard)', url: `https://skyline.${domain}` });
    }
  }

  const credentials: string[] = [];
  const keystone = deployedServices.some((p) => p.id === 'keystone');
  if (keystone) {
    const rc = state.phases.find((p) => p.id === 'openstack-rc');
    credentials.push(
      rc !== undefined && isDone(rc)
        ? 'clouds.yaml: ~/.config/openstack/clouds.yaml of the deploy user has the cloud "default"; try: openstack --os-cloud default token issue'
        : `clouds.yaml: run ${path.join(profile?.genestack.repoDir ?? '/opt/genestack', 'bin/setup-openstack-rc.sh')} as the deploy user; it writes the cloud "default" to ~/.config/openstack/clouds.yaml`,
      "admin password: kubectl -n openstack get secret keystone-admin -o jsonpath='{.data.password}' | base64 -d",
      "admin user and project: kubectl -n openstack get secret keystone-keystone-admin -o jsonpath='{.data.OS_USERNAME}' | base64 -d (OS_PROJECT_NAME, OS_AUTH_URL likewise)",
    );
    if (profile !== undefined) {
      credentials.push(`kubeconfig: ${profile.genestack.kubeconfig ?? '~/.kube/config'}`);
    }
  }

  const durations = state.phases
    .filter((p) => p.planned)
    .map((p) => ({ phaseId: p.id, title: p.title, durationMs: p.durationMs, status: p.status }));

  return { deployed, endpoints, credentials, durations, logsDir: path.join(runDir, 'logs') };
}
