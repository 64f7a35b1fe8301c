// The request channel from viewers to the engine. The journal has one writer, the engine: a
// viewer (attach, the dashboard, deploy itself) never appends to it. Instead it drops a request
// file into <run>/control/, written to a temp name and renamed, so the engine only ever sees
// complete requests. The engine watches the folder (fs.watch, with a poll as fallback: a watch
// can miss events on some filesystems), journals what a request asks for, and removes it; a
// viewer knows its request was taken when the file is gone.
//
//   control/<ms since epoch, 13 digits>-<pid>-<random>.json   a request, taken in name order
//   control/.<name>.tmp                                       being written (ignored)
//
// Requests: a viewer attached (read-only or control), a viewer takes control, and (read only
// when an engine starts: the run is not running then) the operator skipped a failed phase.
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import path from 'node:path';
import type { Actor, ViewerMode } from '../journal/events';

export const CONTROL_DIR = 'control';

export type ControlRequest =
  | { kind: 'viewer'; mode: ViewerMode; actor: Actor }
  | { kind: 'take-control'; actor: Actor }
  | { kind: 'skip'; phaseId: string; reason: string; actor: Actor };

export function controlDir(runDir: string): string {
  return path.join(runDir, CONTROL_DIR);
}

/** Writes a request atomically; returns its file (gone once the engine has taken it). */
export function dropRequest(runDir: string, req: ControlRequest): string {
  const dir = controlDir(runDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `${String(Date.now()).padStart(13, '0')}-${process.pid}-${randomBytes(3).toString('hex')}.json`;
  const tmp = path.join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(req) + '\n', { mode: 0o600, flag: 'wx' });
  const file = path.join(dir, name);
  renameSync(tmp, file);
  return file;
}

const isActor = (v: unknown): v is Actor =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Actor).user === 'string' &&
  typeof (v as Actor).host === 'string' &&
  Number.isInteger((v as Actor).pid);

/** A request read back, or why it is not one. */
export function parseRequest(text: string): ControlRequest | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'not an object';
  const r = v as Record<string, unknown>;
  if (!isActor(r.actor)) return 'no valid "actor"';
  const actor = { user: r.actor.user, host: r.actor.host, pid: r.actor.pid };
  switch (r.kind) {
    case 'viewer':
      if (r.mode !== 'read-only' && r.mode !== 'control') return 'invalid "mode"';
      return { kind: 'viewer', mode: r.mode, actor };
    case 'take-control':
      return { kind: 'take-control', actor };
    case 'skip':
      if (typeof r.phaseId !== 'string' || typeof r.reason !== 'string') {
        return 'a skip needs "phaseId" and "reason"';
      }
      return { kind: 'skip', phaseId: r.phaseId, reason: r.reason, actor };
    default:
      return `unknown kind ${JSON.stringify(r.kind)}`;
  }
}

export interface TakenRequest {
  file: string;
  request: ControlRequest | string;
}

/** The complete requests waiting, oldest first, read (not yet removed). */
export function pendingRequests(runDir: string): TakenRequest[] {
  let names: string[];
  try {
    names = readdirSync(controlDir(runDir));
  } catch {
    return [];
  }
  const out: TakenRequest[] = [];
  for (const n of names.filter((x) => x.endsWith('.json') && !x.startsWith('.')).sort()) {
    const file = path.join(controlDir(runDir), n);
    try {
      out.push({ file, request: parseRequest(readFileSync(file, 'utf8')) });
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

export function removeRequest(file: string): void {
  rmSync(file, { force: true });
}

/**
 * The engine's side: calls `handle` for each request (in order, one at a time) as it appears,
 * then removes it. Returns a function that stops watching.
 */
export function watchRequests(
  runDir: string,
  handle: (r: ControlRequest | string) => void,
  pollMs = 500,
): () => void {
  const dir = controlDir(runDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let stopped = false;
  const scan = () => {
    if (stopped) return;
    for (const t of pendingRequests(runDir)) {
      try {
        handle(t.request);
      } finally {
        removeRequest(t.file);
      }
    }
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dir, () => scan());
    watcher.on('error', () => {
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null; // the poll below is enough
  }
  const timer = setInterval(scan, pollMs);
  timer.unref();
  scan();
  return () => {
    stopped = true;
    clearInterval(timer);
    watcher?.close();
  };
}
