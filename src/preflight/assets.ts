// The preflight script and settings, embedded as text by the bundler (and by vitest).
import preflightScript from '../../assets/preflight.sh';
import preflightYaml from '../../assets/preflight.yaml';
import { loadPreflightConfig, type PreflightConfig } from './config';

export const PREFLIGHT_SCRIPT: string = preflightScript;

let cached: PreflightConfig | null = null;

/** assets/preflight.yaml, validated; throws if the shipped file is broken (a bug). */
export function builtinPreflightConfig(): PreflightConfig {
  cached ??= loadPreflightConfig(preflightYaml, 'assets/preflight.yaml');
  return cached;
}
