// Snapshots of the reduced state, so a viewer of a long run reads the last snapshot plus the
// events after it instead of replaying from the first event.
//
// Policy (applied by JournalWriter): a snapshot every SNAPSHOT_EVERY_EVENTS events, and one when
// the run finishes, is interrupted, or the writer closes.
// - Every 10,000 events bounds the replay a viewer needs to ~10,000 events (tens of ms) however
//   long the run is, while costing the engine one JSON.stringify of a bounded RunState (log
//   tails and lists are capped) per 10,000 events: a few percent at the benchmark's 100,000+
//   events/s, and nothing measurable at a real deployment's few hundred events/s.
// - Phase boundaries alone would not bound the tail: one Kubespray phase can emit 100,000+
//   events. A snapshot at the end makes attaching to a finished run a zero-event replay.
//
// snapshot.json = { format, stateFormat, runId, seq, offset, head, writtenAt, state }: `state`
// is the reduction of events 1..seq, which end at byte `offset`; `head` is the sha256 of the
// journal's first line, tying the snapshot to its journal. Written to a temp file then renamed,
// so a reader sees the old snapshot or the new one, never half of one. No fsync: a snapshot lost
// or torn by a power cut, or one that no longer matches the journal, is detected and the state
// is rebuilt by a full replay: a snapshot is only ever a cache.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RUN_STATE_FORMAT,
  RunStateBuilder,
  initialRunState,
  type RunState,
} from '../state/runState';
import { eventProblem } from './events';
import { EVENTS_FILE, headHash, scanFrom, type TornLine } from './reader';

export const SNAPSHOT_FILE = 'snapshot.json';
export const SNAPSHOT_FORMAT = 1;
export const SNAPSHOT_EVERY_EVENTS = 10_000;

export interface Snapshot {
  format: number;
  stateFormat: number;
  runId: string | null;
  /** Last event folded into `state`. */
  seq: number;
  /** Byte offset just after that event's line. */
  offset: number;
  /** sha256 of the journal's first line. */
  head: string;
  writtenAt: string;
  state: RunState;
}

export function snapshotPath(runDir: string): string {
  return join(runDir, SNAPSHOT_FILE);
}

/** Writes snapshot.json atomically (temp file + rename), mode 0600. Throws on failure. */
export function writeSnapshotSync(
  runDir: string,
  snap: Omit<Snapshot, 'format' | 'stateFormat' | 'runId' | 'writtenAt'> & { writtenAt?: string },
): void {
  const full: Snapshot = {
    format: SNAPSHOT_FORMAT,
    stateFormat: RUN_STATE_FORMAT,
    runId: snap.state.run?.runId ?? null,
    seq: snap.seq,
    offset: snap.offset,
    head: snap.head,
    writtenAt: snap.writtenAt ?? new Date().toISOString(),
    state: snap.state,
  };
  const tmp = join(runDir, `.${SNAPSHOT_FILE}.${process.pid}.tmp`);
  try {
    unlinkSync(tmp);
  } catch {
    // usually absent: only a crash between write and rename leaves one
  }
  writeFileSync(tmp, JSON.stringify(full), { mode: 0o600, flag: 'wx' });
  renameSync(tmp, snapshotPath(runDir));
}

export type SnapshotRead =
  { snapshot: Snapshot; problem: null } | { snapshot: null; problem: string };

/** The snapshot if present and of a format this build reads; otherwise why not. */
export async function readSnapshot(runDir: string): Promise<SnapshotRead> {
  let text: string;
  try {
    text = await readFile(snapshotPath(runDir), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { snapshot: null, problem: code === 'ENOENT' ? 'no snapshot' : `unreadable: ${code}` };
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { snapshot: null, problem: 'not valid JSON' };
  }
  if (typeof v !== 'object' || v === null) return { snapshot: null, problem: 'not an object' };
  const s = v as Partial<Snapshot>;
  if (s.format !== SNAPSHOT_FORMAT || s.stateFormat !== RUN_STATE_FORMAT) {
    const newer =
      (typeof s.format === 'number' && s.format > SNAPSHOT_FORMAT) ||
      (typeof s.stateFormat === 'number' && s.stateFormat > RUN_STATE_FORMAT);
    return {
      snapshot: null,
      problem: `${newer ? 'newer' : 'other'} format ${String(s.format)}/${String(s.stateFormat)}`,
    };
  }
  const st = s.state as Partial<RunState> | undefined;
  if (
    typeof s.seq !== 'number' ||
    typeof s.offset !== 'number' ||
    typeof s.head !== 'string' ||
    typeof st !== 'object' ||
    st === null ||
    !Array.isArray(st.phases) ||
    st.lastSeq !== s.seq
  ) {
    return { snapshot: null, problem: 'missing or inconsistent fields' };
  }
  return { snapshot: s as Snapshot, problem: null };
}

export interface LoadedState {
  state: RunState;
  /** Byte offset after the last valid event: follow from here. */
  offset: number;
  /** Seq of the last valid event (0 for an empty journal): pass to followJournal. */
  lastSeq: number;
  fromSnapshot: boolean;
  /** Events replayed after the snapshot (all of them without one). */
  replayed: number;
  /** Why the snapshot was not used, when it was not. */
  snapshotProblem: string | null;
  /** An invalid last line that was skipped. */
  torn: TornLine | null;
  /** sha256 of the journal's first line, null for an empty journal. */
  head: string | null;
}

export interface LoadOptions {
  /** false: ignore any snapshot and replay every event (the benchmark's baseline). */
  useSnapshot?: boolean;
}

/**
 * The state of a run: the last snapshot plus a replay of the events after it, or a full replay
 * when the snapshot is missing, corrupt, of another format, or does not match the journal.
 * Throws JournalCorruptError for a corrupt line in the middle of the journal.
 */
export async function loadState(runDir: string, options: LoadOptions = {}): Promise<LoadedState> {
  const path = join(runDir, EVENTS_FILE);
  const fh = await open(path, 'r');
  try {
    const head = await headHash(fh);
    let snapshot: Snapshot | null = null;
    let snapshotProblem: string | null = 'not used';
    if (options.useSnapshot !== false) {
      const read = await readSnapshot(runDir);
      snapshot = read.snapshot;
      snapshotProblem = read.problem;
      if (snapshot !== null) {
        snapshotProblem = await mismatch(fh, snapshot, head);
        if (snapshotProblem !== null) snapshot = null;
      }
    }
    const builder = new RunStateBuilder(snapshot?.state ?? initialRunState());
    let replayed = 0;
    const { pos, torn } = await scanFrom(
      fh,
      path,
      { offset: snapshot?.offset ?? 0, lastSeq: snapshot?.seq ?? 0 },
      (events) => {
        replayed += events.length;
        builder.applyAll(events);
      },
    );
    return {
      state: builder.state,
      offset: pos.offset,
      lastSeq: pos.lastSeq,
      fromSnapshot: snapshot !== null,
      replayed,
      snapshotProblem,
      torn,
      head,
    };
  } finally {
    await fh.close();
  }
}

/** Why `snap` cannot be the prefix of this journal, or null when it can. */
async function mismatch(
  fh: FileHandle,
  snap: Snapshot,
  head: string | null,
): Promise<string | null> {
  if (head !== snap.head) return 'belongs to another journal';
  const { size } = await fh.stat();
  if (snap.offset > size) return 'covers more than the journal holds';
  if (snap.offset === 0) return snap.seq === 0 ? null : 'inconsistent offset';
  // The snapshot must end exactly at a line end, and the next line must continue its seq.
  const buf = Buffer.allocUnsafe(64 << 10);
  const { bytesRead } = await fh.read(buf, 0, buf.length, snap.offset - 1);
  if (bytesRead === 0 || buf[0] !== 0x0a) return 'does not end at a line boundary';
  const nl = buf.subarray(1, bytesRead).indexOf(0x0a);
  if (nl >= 0) {
    try {
      const next: unknown = JSON.parse(buf.toString('utf8', 1, 1 + nl));
      if (eventProblem(next) === null && (next as { seq: number }).seq !== snap.seq + 1) {
        return 'does not match the events after it';
      }
    } catch {
      // an invalid line: the replay reports it
    }
  }
  return null;
}
