// Whether a run's engine is still running. Apart from follow.ts so that the wizard's home
// screen (which lists the runs in progress) can ask without loading the journal reader.
import { ownerAlive, processAlive, readLock } from './lock';
import { readRunRecord } from './runRecord';
import { stateLockPath } from './stateDir';

/** Is the engine of this run alive? From the state lock (it names the run) or run.json. */
export function engineAlive(runDir: string, stateDir: string, runId: string): boolean {
  try {
    const lock = readLock(stateLockPath(stateDir));
    if (lock?.owner?.runId === runId && ownerAlive(lock.owner)) return true;
  } catch {
    // fall through to run.json
  }
  try {
    const r = readRunRecord(runDir);
    return r.engine !== undefined && processAlive(r.engine.pid, r.engine.procStart);
  } catch {
    return false;
  }
}
