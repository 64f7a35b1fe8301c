// assets/preflight.yaml: the thresholds and severities of the checks that are not role hardware
// requirements. Data over code: validated here, judged in checks.ts.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Level } from '../discovery/requirements';

const Severity = z.enum(['fail', 'warning']);

const Free = z
  .strictObject({
    minFreeGiB: z.number().nonnegative(),
    recommendedFreeGiB: z.number().nonnegative(),
  })
  .refine((v) => v.recommendedFreeGiB >= v.minFreeGiB, {
    message: 'recommendedFreeGiB must not be below minFreeGiB',
  });

export const PreflightConfigSchema = z.strictObject({
  version: z.literal(1),
  containerRuntime: z.strictObject({
    path: z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path of plain characters'),
    levels: z.strictObject({ lab: Free, production: Free }),
  }),
  reachability: z.strictObject({ timeoutSeconds: z.number().int().min(1).max(60) }),
  dns: z.strictObject({ unresolved: Severity, otherAddress: Severity }),
});
export type PreflightConfig = z.infer<typeof PreflightConfigSchema>;

/** Parse and validate; throws an Error naming the file and field on bad data. */
export function loadPreflightConfig(text: string, source = 'preflight.yaml'): PreflightConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  const r = PreflightConfigSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new Error(`${source} is invalid: ${issues.join('; ')}`);
  }
  return r.data;
}

export function runtimeThresholds(c: PreflightConfig, level: Level) {
  return c.containerRuntime.levels[level];
}
