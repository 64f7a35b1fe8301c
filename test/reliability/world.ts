// Shared set-up of the reliability suite (docs/reliability.md): the engine integration world
// (real sshd fleet on 127.0.0.x, a copy of the engine test catalogs, a profile, a state
// directory; test/integration/engineHarness.ts) plus this suite's own catalogs, a seeded random
// source whose seed every failure names, and the counts a longer soak run can raise.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWorld, type EngineWorld, type WorldOptions } from '../integration/engineHarness';

export const SUITE_CATALOGS = fileURLToPath(new URL('./catalogs', import.meta.url));

/** An engine world with test/reliability/catalogs copied into its catalog folder. */
export async function startReliabilityWorld(opts: WorldOptions = {}): Promise<EngineWorld> {
  const w = await startWorld(opts);
  cpSync(SUITE_CATALOGS, w.catalogDir, { recursive: true });
  return w;
}

/** A count from the environment (soak runs raise them), else the CI default. */
export function count(name: string, ciDefault: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : ciDefault;
}

/** The seed of this file's random choices: RELIABILITY_SEED replays a failure. */
export function seed(): number {
  const v = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(v) && v >= 0 ? v : Math.floor(Math.random() * 2 ** 31);
}

/** mulberry32: a small seeded generator, so a failing sequence of kill moments can be replayed. */
export function random(seedValue: number): () => number {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `body`; a failure's message gets the seed that replays it. */
export async function withSeed<T>(s: number, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof Error) e.message = `[RELIABILITY_SEED=${s}] ${e.message}`;
    throw e;
  }
}

export const readRecord = (runDir: string) =>
  JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as {
    engine?: { pid: number; procStart: string | null };
  };

/** Lines of marks/<name> (one per attempt that got that far). */
export function markLines(w: EngineWorld, name: string): string[] {
  const f = join(w.catalogDir, 'marks', name);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

/** Waits for a random moment (a fault injected at an unplanned time, not a wait on a condition). */
export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
