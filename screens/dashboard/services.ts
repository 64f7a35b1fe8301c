// Everything the dashboard needs from outside React, behind one interface: the run's store, the
// phase log files, the run record (namespaces of a phase, resume command), the Kubernetes API,
// and the viewer controls. Components and screens never touch files or the network; the real
// implementation below wraps src/ services, tests pass their own.
import { open, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Actor } from '../../src/journal/events';
import { RunStore, followRunInto } from '../../src/state/runStore';
import type { RunState } from '../../src/state/runState';
import type { LearnedDurations } from '../../src/state/timing';
import { engineAlive } from '../../src/engine/alive';
import { learnedDurations } from '../../src/engine/history';
import { readRunRecord, type RunRecord } from '../../src/engine/runRecord';
import { resumeCommand } from '../../src/engine/outcome';
import { RUN_FILES, resolveStateDir, runDirOf } from '../../src/engine/stateDir';
import { kubeconfigTarget } from '../../src/engine/builtins';
import { loadProfileFile } from '../../src/profile/load';
import { KubeClient } from '../../src/kube/client';
import { InformerPool, type InformerOptions } from '../../src/kube/informer';
import { NamespaceView, type NamespaceModel } from '../../src/kube/namespaceView';
import * as control from '../../src/engine/control';
import type { ControlResult, RunRef } from '../../src/engine/control';
import type { LogHistory } from './logView';

/** A live namespace model (NamespaceView fits). */
export interface NamespaceSource {
  snapshot(): NamespaceModel;
  onChange(listener: (model: NamespaceModel) => void): () => void;
  stop(): Promise<void>;
}

export type NamespaceOpen =
  { source: NamespaceSource; problem: null } | { source: null; problem: string };

export interface RunFacts {
  /** The exact command that resumes the run, when run.json names the profile. */
  resumeCommand: string | null;
  /** Namespaces named by each phase's done-checks, in check order. */
  namespaces: Record<string, string[]>;
}

export interface DashboardServices {
  runId: string;
  runDir: string;
  store: RunStore;
  /** Who this dashboard is, as the journal records viewers. */
  viewer: Actor;
  now(): number;
  engineAlive(): boolean;
  runFacts(): Promise<RunFacts>;
  learned(): Promise<LearnedDurations>;
  /** The last lines of logs/<phase>.log (for scrolling past the journal's tail). */
  readPhaseLog(phaseId: string, totalNow: number): Promise<LogHistory>;
  profileText(): Promise<string | null>;
  /** Watches a namespace; a problem (no kubeconfig yet, unusable kubeconfig) in words. */
  openNamespace(namespace: string): Promise<NamespaceOpen>;
  announce(mode: 'read-only' | 'control'): Promise<boolean>;
  takeControl(): Promise<ControlResult>;
  retry(): Promise<ControlResult>;
  skip(phaseId: string): Promise<ControlResult>;
  abort(): Promise<ControlResult>;
  /** Stops the store and every Kubernetes watch. */
  close(): Promise<void>;
}

/** Bytes read from the end of a phase log for scrolling back: ~50,000 lines of Ansible. */
export const LOG_HISTORY_BYTES = 8 << 20;

const NOTE = '# genestack-installer: ';

/** The last `maxBytes` of a log file as lines, the installer's notes left out. */
export async function readLogTail(
  file: string,
  maxBytes = LOG_HISTORY_BYTES,
): Promise<{
  lines: string[];
  truncated: boolean;
}> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], truncated: false };
    throw e;
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    let text = buf.toString('utf8', 0, got);
    // A partial first line (we started mid-file) and a partial last line (being written) go.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    const end = text.lastIndexOf('\n');
    text = end < 0 ? '' : text.slice(0, end);
    const lines = text === '' ? [] : text.split('\n').filter((l) => !l.startsWith(NOTE));
    return { lines, truncated: start > 0 };
  } finally {
    await fh.close();
  }
}

/** Namespaces each phase's done-checks name (a phase's Kubernetes panel watches the first). */
export function checkNamespaces(record: Pick<RunRecord, 'plan'>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of record.plan.phases) {
    const names: string[] = [];
    for (const c of p.doneChecks) {
      const ns =
        'namespace' in c && typeof c.namespace === 'string'
          ? c.namespace
          : 'resource' in c && typeof c.resource.namespace === 'string'
            ? c.resource.namespace
            : undefined;
      if (ns !== undefined && !names.includes(ns)) names.push(ns);
    }
    if (names.length > 0) out[p.id] = names;
  }
  return out;
}

export interface RealServicesOptions {
  stateDir: string;
  runId: string;
  informer?: InformerOptions;
  home?: string;
}

export function realDashboardServices(opts: RealServicesOptions): DashboardServices {
  const runDir = runDirOf(opts.stateDir, opts.runId);
  const ref: RunRef = { stateDir: opts.stateDir, runId: opts.runId };
  const store = new RunStore();
  const stop = new AbortController();
  const following = followRunInto(store, runDir, stop.signal);
  const home = opts.home ?? os.homedir();
  let record: RunRecord | null | undefined;
  const readRecord = (): RunRecord | null => {
    if (record !== undefined) return record;
    try {
      record = readRunRecord(runDir);
    } catch {
      record = null;
    }
    return record;
  };
  // One client and one informer pool for every namespace panel; made when first needed, since
  // the kubeconfig appears only once the "Fetch the kubeconfig" phase has run.
  let pool: InformerPool | null = null;
  const viewer: Actor = control.thisViewer();
  const views = new Set<NamespaceSource>();
  return {
    runId: opts.runId,
    runDir,
    store,
    viewer,
    now: () => Date.now(),
    engineAlive: () => engineAlive(runDir, opts.stateDir, opts.runId),
    async runFacts() {
      const r = readRecord();
      if (r === null) return { resumeCommand: null, namespaces: {} };
      return {
        // Name the state directory when it is not the one the command finds by itself.
        resumeCommand: resumeCommand(
          r.profilePath,
          r.runId,
          path.resolve(opts.stateDir) === resolveStateDir() ? undefined : opts.stateDir,
        ),
        namespaces: checkNamespaces(r),
      };
    },
    learned: () => learnedDurations(opts.stateDir, opts.runId),
    async readPhaseLog(phaseId, totalNow) {
      // Phase ids are kebab-case (the catalog checks it), so the file name is safe.
      const file = path.join(runDir, RUN_FILES.logs, `${path.basename(phaseId)}.log`);
      const r = await readLogTail(file);
      return { ...r, totalAtRead: totalNow };
    },
    async profileText() {
      try {
        return await readFile(path.join(runDir, RUN_FILES.profile), 'utf8');
      } catch {
        return null;
      }
    },
    async openNamespace(namespace) {
      if (pool === null) {
        try {
          const r = await loadProfileFile(path.join(runDir, RUN_FILES.profile));
          if (!r.profile) {
            return {
              source: null,
              problem: `the run's profile copy (${RUN_FILES.profile}) cannot be read`,
            };
          }
          // The kubeconfig the phases get: the profile's genestack.kubeconfig, else ~/.kube/config.
          const kubeconfig = kubeconfigTarget(r.profile, home);
          pool ??= new InformerPool(KubeClient.fromKubeconfig({ kubeconfig }), opts.informer);
        } catch (e) {
          // Usually "kubeconfig not found ... written by the Fetch the kubeconfig phase".
          return { source: null, problem: (e as Error).message };
        }
      }
      const view = new NamespaceView(pool, namespace).start();
      const source: NamespaceSource = {
        snapshot: () => view.snapshot(),
        onChange: (l) => view.onChange(l),
        stop: async () => {
          views.delete(source);
          await view.stop();
        },
      };
      views.add(source);
      return { source, problem: null };
    },
    announce: (mode) => control.announceViewer(ref, viewer, mode),
    takeControl: () => control.takeControl(ref, viewer),
    retry: () => control.retryFailed(ref),
    skip: (phaseId) => control.skipFailed(ref, phaseId),
    abort: () => control.abortRun(ref),
    async close() {
      stop.abort();
      store.close();
      await following;
      await Promise.all([...views].map((v) => v.stop()));
      await pool?.stop();
    },
  };
}

/** For tests and the shell: what a RunState says about who controls the run. */
export function controlledByMe(state: RunState, me: Actor): boolean {
  const c = state.controller;
  return c !== null && c.pid === me.pid && c.host === me.host && c.user === me.user;
}
