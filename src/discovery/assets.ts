// The shipped probe script and requirements, embedded as text by the bundler (and by vitest).
// Kept apart from the rest of discovery so tools that cannot import .sh/.yaml files (the
// benchmark under tsx) can still use every other module, passing the text in themselves.
import probeScript from '../../assets/probe.sh';
import requirementsYaml from '../../assets/requirements.yaml';
import { loadRequirements, type Requirements } from './requirements';

export const PROBE_SCRIPT: string = probeScript;
export const REQUIREMENTS_YAML: string = requirementsYaml;

let cached: Requirements | null = null;

/** assets/requirements.yaml, validated; throws if the shipped file is broken (a bug). */
export function builtinRequirements(): Requirements {
  cached ??= loadRequirements(REQUIREMENTS_YAML, 'assets/requirements.yaml');
  return cached;
}
