// DashboardServices for the screens tests: the real store following a real journal file (a
// recorded fixture copied to a temp run folder), a settable clock, and viewer controls that act
// the way the engine would, by appending events to the journal the store follows.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Actor, JournalEventInput } from '../../src/journal/events';
import { RunStore, followRunInto } from '../../src/state/runStore';
import type { LearnedDurations } from '../../src/state/timing';
import type { DashboardServices, NamespaceOpen, RunFacts } from '../../screens/dashboard/services';
import { readLogTail } from '../../screens/dashboard/services';
import type { Rendered } from '../helpers/render';

export const FIXTURES = path.join(import.meta.dirname, '../fixtures/journals');

export interface TestServices extends DashboardServices {
  clock: { now: number };
  calls: string[];
  /** Appends events to the journal as the engine would (seq and ts filled in). */
  append(...events: JournalEventInput[]): void;
  /** Waits until the store has read the journal. */
  ready(): Promise<void>;
  dir: string;
}

export interface TestServicesOptions {
  /** Fixture name (without .jsonl) or null for an empty journal. */
  journal: string | null;
  /** Clock: ms after the journal's last event (default 5 s). */
  after?: number;
  viewer?: Actor;
  facts?: RunFacts;
  learned?: LearnedDurations;
  engineAlive?: boolean;
  openNamespace?: (ns: string) => Promise<NamespaceOpen>;
}

export const TEST_VIEWER: Actor = { user: 'support', host: 'laptop', pid: 777 };

export function testServices(opts: TestServicesOptions): TestServices {
  const dir = mkdtempSync(path.join(tmpdir(), 'gsi-dash-'));
  const runDir = path.join(dir, 'runs', '20250115-100000-lab');
  mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  const journal = path.join(runDir, 'events.jsonl');
  if (opts.journal !== null) copyFileSync(path.join(FIXTURES, `${opts.journal}.jsonl`), journal);
  else writeFileSync(journal, '');
  const lines = readFileSync(journal, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  let seq = lines.length;
  let lastTs = lines.length > 0 ? Date.parse((JSON.parse(lines.at(-1)!) as { ts: string }).ts) : 0;
  const clock = { now: lastTs + (opts.after ?? 5000) };
  const store = new RunStore();
  const stop = new AbortController();
  const following = followRunInto(store, runDir, stop.signal, { pollMs: 20 });
  const viewer = opts.viewer ?? TEST_VIEWER;
  const calls: string[] = [];
  const append = (...events: JournalEventInput[]) => {
    for (const e of events) {
      lastTs = Math.max(lastTs, clock.now);
      appendFileSync(
        journal,
        JSON.stringify({ seq: ++seq, ts: new Date(lastTs).toISOString(), ...e }) + '\n',
      );
    }
  };
  return {
    runId: '20250115-100000-lab',
    runDir,
    store,
    viewer,
    dir,
    clock,
    calls,
    append,
    async ready() {
      const end = Date.now() + 5000;
      while (!store.getSnapshot().loaded || store.getSnapshot().state.lastSeq < seq) {
        if (Date.now() > end) throw new Error('the store did not load the journal');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    now: () => clock.now,
    engineAlive: () => opts.engineAlive ?? false,
    runFacts: () =>
      Promise.resolve(
        opts.facts ?? {
          resumeCommand:
            'genestack-installer deploy /home/ubuntu/lab.yaml --resume 20250115-100000-lab',
          namespaces: { 'kube-ovn': ['kube-system'], secrets: ['openstack'] },
        },
      ),
    learned: () => Promise.resolve(opts.learned ?? {}),
    async readPhaseLog(phaseId, totalNow) {
      const r = await readLogTail(path.join(runDir, 'logs', `${phaseId}.log`));
      return { ...r, totalAtRead: totalNow };
    },
    profileText: () => Promise.resolve(null),
    openNamespace:
      opts.openNamespace ??
      (() => Promise.resolve({ source: null, problem: 'no kubeconfig in this test' })),
    async announce(mode) {
      calls.push(`announce ${mode}`);
      append({ type: 'viewer-attached', ...viewer, mode });
      return true;
    },
    async takeControl() {
      calls.push('takeControl');
      append({ type: 'control-taken', ...viewer });
      return { ok: true, message: 'you control the run now' };
    },
    async retry() {
      calls.push('retry');
      return { ok: true, message: 'retrying' };
    },
    async skip(phaseId) {
      calls.push(`skip ${phaseId}`);
      return { ok: true, message: `skipping ${phaseId}` };
    },
    async abort() {
      calls.push('abort');
      return { ok: true, message: 'abort requested' };
    },
    async close() {
      stop.abort();
      store.close();
      await following;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Dashboards a test opened; closeOpened() (in afterEach) unmounts them and stops their stores. */
export const opened: { r: Rendered; s: TestServices }[] = [];
export async function closeOpened(): Promise<void> {
  for (const o of opened.splice(0)) {
    o.r.unmount();
    await o.s.close();
  }
}
