// The dashboard's store, outside React: it follows a run's journal (from the newest snapshot,
// then every event appended after it), folds events into RunState with RunStateBuilder, and
// publishes the state to subscribers at most 10 times a second. Ansible can log thousands of
// lines a second; the screen needs at most a frame per 100 ms, so events are applied as they
// come (cheap: the builder copies each touched object once per published state) and publishing
// is coalesced. The last state is always published: a trailing publish follows every burst.
//
// Screens read it through useSyncExternalStore (screens/dashboard/useRunStore.ts): getState()
// returns the same object until the next publish, as that hook requires.
import { followJournal, journalPath } from '../journal/reader';
import type { JournalEvent } from '../journal/events';
import { loadState } from '../journal/snapshot';
import { RunStateBuilder, initialRunState, type RunState } from './runState';

/** At most one publish per this many ms: 10 a second. */
export const PUBLISH_INTERVAL_MS = 100;

export interface StoreClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: StoreClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface RunStoreSnapshot {
  state: RunState;
  /** False until the snapshot and the journal up to its end have been read. */
  loaded: boolean;
  /** Why following stopped (corrupt journal, unreadable file), in words; null while fine. */
  error: string | null;
  /** Events applied so far (for the status line and tests). */
  applied: number;
}

export class RunStore {
  private builder = new RunStateBuilder(initialRunState());
  private snap: RunStoreSnapshot;
  private readonly listeners = new Set<() => void>();
  private timer: unknown = null;
  private lastPublish = -Infinity;
  private applied = 0;
  private loaded = false;
  private error: string | null = null;
  /** Publishes so far (tests assert the throttle with it). */
  publishes = 0;

  constructor(
    private readonly clock: StoreClock = realClock,
    private readonly intervalMs = PUBLISH_INTERVAL_MS,
  ) {
    this.snap = { state: this.builder.state, loaded: false, error: null, applied: 0 };
  }

  /** The last published snapshot: the same object until the next publish. */
  getSnapshot = (): RunStoreSnapshot => this.snap;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Applies events now; the state they make is published within intervalMs. */
  apply(events: readonly JournalEvent[]): void {
    if (events.length === 0) return;
    this.builder.applyAll(events);
    this.applied += events.length;
    this.schedule();
  }

  /** Starts from a state already reduced (loadState), published at once. */
  reset(state: RunState): void {
    this.builder = new RunStateBuilder(state);
    this.schedule(true);
  }

  markLoaded(): void {
    this.loaded = true;
    this.schedule(true);
  }

  fail(message: string): void {
    this.error = message;
    this.schedule(true);
  }

  /** Stops the pending publish (on exit). */
  close(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  /** Publishes now if the interval allows, else once it has passed (coalescing what comes). */
  private schedule(urgent = false): void {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastPublish + this.intervalMs - this.clock.now());
    if (wait === 0 || (urgent && !Number.isFinite(this.lastPublish))) {
      this.publish();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.publish();
    }, wait);
  }

  private publish(): void {
    this.lastPublish = this.clock.now();
    this.publishes++;
    this.snap = {
      state: this.builder.state,
      loaded: this.loaded,
      error: this.error,
      applied: this.applied,
    };
    for (const l of [...this.listeners]) l();
  }
}

/**
 * Fills `store` from the run folder: the newest snapshot plus the events after it (loadState),
 * then follows the journal until `signal` aborts. Never rejects: a problem is the store's error.
 */
export async function followRunInto(
  store: RunStore,
  runDir: string,
  signal: AbortSignal,
  options: { pollMs?: number } = {},
): Promise<void> {
  try {
    const loaded = await loadState(runDir);
    store.reset(loaded.state);
    store.markLoaded();
    await followJournal(
      journalPath(runDir),
      loaded.offset,
      (events) => store.apply(events),
      signal,
      {
        lastSeq: loaded.lastSeq,
        ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      },
    );
  } catch (e) {
    if (signal.aborted) return;
    const err = e as NodeJS.ErrnoException;
    store.fail(
      err.code === 'ENOENT'
        ? `the run's journal is missing (${journalPath(runDir)}): is this a run folder?`
        : err.message,
    );
  }
}
