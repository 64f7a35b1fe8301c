// What the dashboard shows when a run completes: what was deployed, the endpoints and how to get
// credentials, durations per phase, and where the logs are.
export interface CompletionSummary {
  /** Services deployed (their titles), in plan order. */
  deployed: string[];
  /** Public endpoints, e.g. { name: 'Keystone', url: 'https://keystone.cloud.example.com' }. */
  endpoints: Array<{ name: string; url: string }>;
  /** Lines telling how to get credentials (clouds.yaml). */
  credentials: string[];
  /** Phase durations in plan order (ms), slowest first is the viewer's choice. */
  durations: Array<{ phaseId: string; title: string; durationMs: number | null; status: string }>;
  /** Where the run's logs are. */
  logsDir: string;
}

/** The summary of a completed run; `profileText` is the run's profile.yaml (issue 6). */
export function completionSummary(
  _state: import('./runState').RunState,
  _profileText: string | null,
  _runDir: string,
): CompletionSummary {
  throw new Error('completionSummary: not implemented yet');
}
