// Shared by the journal and dashboard benchmarks: a deployment-like journal stream (mostly
// Ansible-style log lines and host results, some task starts and check updates), the secrets a
// real run's redactor holds, and a run folder the CLI can find (journal written by the real
// JournalWriter, run.json, the profile copy). bench/run.ts skips lib* files: this is no benchmark.
import { execa } from 'execa';
import { randomBytes, createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JournalWriter } from '../src/journal/writer';
import { Redactor } from '../src/journal/redact';
import type { JournalEventInput, PlanPhase } from '../src/journal/events';
import { RUN_RECORD_FORMAT, writeRunRecord, type RunRecord } from '../src/engine/runRecord';
import { RUN_FILES } from '../src/engine/stateDir';
import type { Plan } from '../src/plan/plan';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = path.join(REPO, 'dist', 'genestack-installer.mjs');

export const HOSTS = Array.from({ length: 12 }, (_, i) => `node-${String(i + 1).padStart(2, '0')}`);

/** A synthetic 34-phase plan (the journal benchmark's). */
export const PHASES: PlanPhase[] = Array.from({ length: 34 }, (_, i) => ({
  id: `p${i}`,
  title: `Phase ${i}`,
  group: i < 10 ? 'kubernetes' : i < 20 ? 'infrastructure' : 'openstack',
  needs: i === 0 ? [] : [`p${i - 1}`],
  kind: i % 3 === 0 ? 'command' : 'ansible',
}));

const TASKS = [
  'kubernetes/preinstall : Create kubernetes directories',
  'container-engine/containerd : Copy containerd config file',
  'etcd : Configure | Check if etcd cluster is healthy',
  'kubernetes/control-plane : kubeadm | Initialize first control plane node',
  'network_plugin/kube-ovn : Kube-OVN | Start Resources',
];

/**
 * The n-th event of a phase's body: 60 % log lines, 30 % Ansible host results, 5 % task starts,
 * 5 % check updates (one `n` gives one event, so a stream can be cut and continued).
 */
export function bodyEvent(phaseId: string, n: number): JournalEventInput {
  const r = n % 20;
  const task = TASKS[Math.floor(n / 40) % TASKS.length]!;
  const host = HOSTS[n % HOSTS.length]!;
  if (r < 12) {
    return {
      type: 'log',
      phaseId,
      stream: 'stdout',
      line: `ok: [${host}] => (item=/etc/kubernetes/manifests) ${task} changed=false ${n}`,
    };
  }
  if (r < 18) {
    return {
      type: 'ansible-host-result',
      phaseId,
      host,
      task,
      status: r === 17 ? 'changed' : 'ok',
    };
  }
  if (r === 18) {
    return {
      type: 'ansible-task-started',
      phaseId,
      play: 'Install Kubernetes',
      task,
      taskIndex: n,
    };
  }
  return {
    type: 'check-status',
    phaseId,
    check: 'nodes-ready',
    status: 'pending',
    detail: `${n % 12}/12 ready`,
  };
}

export interface DeploymentOptions {
  phases?: PlanPhase[];
  runId?: string;
  profileName?: string;
  /** Phases that do not run: journalled as skipped right after run-started, as the engine does. */
  skipped?: ReadonlySet<string>;
}

export function runStarted(o: DeploymentOptions = {}): JournalEventInput {
  return {
    type: 'run-started',
    runId: o.runId ?? 'bench',
    profileName: o.profileName ?? 'bench',
    profileHash: 'sha256:' + '0'.repeat(64),
    plan: { phases: o.phases ?? PHASES },
    user: 'root',
    host: 'bastion',
    pid: process.pid,
  };
}

/**
 * A deployment of `total` events, phases one after another with an equal share of the events
 * each: run-started (seq 1), skipped phases, then per phase phase-started, body events,
 * phase-finished; with `finish` the last event is run-finished. `firstSeq` > 1 continues a stream
 * cut earlier (with the same `total`).
 */
export function* deployment(
  total: number,
  firstSeq = 1,
  finish = true,
  o: DeploymentOptions = {},
): Generator<JournalEventInput> {
  const all = o.phases ?? PHASES;
  const skipped = all.filter((p) => o.skipped?.has(p.id));
  const phases = all.filter((p) => !o.skipped?.has(p.id));
  const head = 1 + skipped.length;
  const end = finish ? total - 1 : total;
  const perPhase = Math.ceil((end - head) / phases.length);
  for (let n = firstSeq - 1; n < total; n++) {
    if (n === 0) yield runStarted(o);
    else if (n < head) {
      yield {
        type: 'phase-finished',
        phaseId: skipped[n - 1]!.id,
        status: 'skipped',
        durationMs: 0,
      };
    } else if (n >= end) yield { type: 'run-finished', status: 'succeeded' };
    else {
      const i = n - head;
      const phase = phases[Math.min(phases.length - 1, Math.floor(i / perPhase))]!;
      const inPhase = i % perPhase;
      const last = inPhase === perPhase - 1 || n === end - 1;
      if (inPhase === 0) {
        yield {
          type: 'phase-started',
          phaseId: phase.id,
          attempt: 1,
          argv: ['ansible-playbook', 'x.yml'],
          cwd: '/opt/genestack',
        };
      } else if (last) {
        yield {
          type: 'phase-finished',
          phaseId: phase.id,
          status: 'succeeded',
          exitCode: 0,
          durationMs: 60_000,
        };
      } else yield bodyEvent(phase.id, n);
    }
  }
}

/** Roughly the secrets of a Genestack kubesecrets.yaml: ~60 random 32-character passwords. */
export function redactor(): Redactor {
  return new Redactor(
    Array.from({ length: 60 }, () => randomBytes(24).toString('base64url').slice(0, 32)),
  );
}

export const PROFILE = path.join(REPO, 'profiles', 'full-scale.yaml');

/** The real plan of profiles/full-scale.yaml, from the built bundle's `plan --json`. */
export async function realPlan(): Promise<Plan> {
  const r = await execa(process.execPath, [BUNDLE, 'plan', PROFILE, '--json']);
  return JSON.parse(r.stdout) as Plan;
}

/** The journal's view of a plan, as the engine writes it into run-started. */
export function journalPhases(plan: Plan): PlanPhase[] {
  return plan.phases.map((p) => ({
    id: p.id,
    title: p.title,
    group: p.group,
    needs: p.needs,
    kind: p.kind,
    expectedSeconds: p.expectedSeconds,
    softTimeoutSeconds: p.softTimeoutSeconds,
  }));
}

/**
 * What `deploy` writes before the engine starts: run.json (here with the given engine pid, or
 * none for a finished run) and the profile copy. The journal is the caller's.
 */
export function writeRunFiles(
  stateDir: string,
  runDir: string,
  runId: string,
  plan: Plan,
  engine?: { pid: number; procStart: string | null },
): void {
  const profileText = readFileSync(PROFILE);
  const record: RunRecord = {
    format: RUN_RECORD_FORMAT,
    runId,
    createdAt: new Date().toISOString(),
    profilePath: PROFILE,
    profileHash: 'sha256:' + createHash('sha256').update(profileText).digest('hex'),
    profileName: plan.profile,
    catalogSource: plan.catalog.source,
    configDir: path.join(stateDir, 'config'),
    stateDir,
    plan,
    planHash: 'bench',
    options: { yes: false, killGraceSeconds: 30, maxParallel: 4 },
    locks: { state: path.join(stateDir, 'engine.lock'), config: '' },
    recoveredLocks: [],
    conditionSkipped: plan.phases.filter((p) => p.skipped).map((p) => p.id),
    resumes: 0,
    ...(engine
      ? {
          engine: {
            ...engine,
            startedAt: new Date().toISOString(),
            launchedVia: 'foreground' as const,
          },
        }
      : {}),
  };
  writeRunRecord(runDir, record);
  copyFileSync(PROFILE, path.join(runDir, RUN_FILES.profile));
}

/** A finished run of the real plan with `events` events, journalled by the real JournalWriter. */
export async function writeFinishedRun(
  stateDir: string,
  runId: string,
  events: number,
): Promise<{ runDir: string; plan: Plan }> {
  const plan = await realPlan();
  const runDir = path.join(stateDir, 'runs', runId);
  const w = await JournalWriter.open(runDir, { redactor: redactor() });
  const skipped = new Set(plan.phases.filter((p) => p.skipped).map((p) => p.id));
  const opts = { phases: journalPhases(plan), runId, profileName: plan.profile, skipped };
  for (const e of deployment(events, 1, true, opts)) w.append(e);
  w.close();
  writeRunFiles(stateDir, runDir, runId, plan);
  return { runDir, plan };
}
