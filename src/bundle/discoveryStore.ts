// Saved discovery results: `discover` keeps what it learned in the state directory
// (<state>/discovery/<UTC time>.json, the newest KEEP_DISCOVERIES kept) so that a support bundle
// made later can include the hosts' facts without reaching them again.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const DISCOVERY_DIR = 'discovery';
export const KEEP_DISCOVERIES = 10;
const NAME = /^\d{8}T\d{6}(?:\d{3})?Z(?:-[0-9a-f]{4})?\.json$/;

export function discoveryDir(stateDir: string): string {
  return path.join(stateDir, DISCOVERY_DIR);
}

/** 20261126T221503123Z: sorts by time, safe in a file name. */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

/** Saved discoveries, newest first (absolute paths). */
export function listDiscoveries(stateDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(discoveryDir(stateDir));
  } catch {
    return [];
  }
  return names
    .filter((n) => NAME.test(n))
    .sort()
    .reverse()
    .map((n) => path.join(discoveryDir(stateDir), n));
}

/**
 * Writes the facts (any JSON value) atomically, 0600 in a 0700 folder, then removes all but the
 * newest `keep`. Returns the file written.
 */
export function saveDiscovery(
  stateDir: string,
  facts: unknown,
  now: Date = new Date(),
  keep: number = KEEP_DISCOVERIES,
): string {
  const dir = discoveryDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${stamp(now)}-${randomBytes(2).toString('hex')}.json`);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}`);
  const body = { savedAt: now.toISOString(), hosts: facts };
  writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
  for (const old of listDiscoveries(stateDir).slice(Math.max(1, keep))) {
    rmSync(old, { force: true });
  }
  return file;
}
