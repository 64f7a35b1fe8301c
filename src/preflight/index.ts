// Preflight: read-only checks of every host of a profile before anything is changed.
// See docs/preflight.md. checks.ts, parse.ts, script.ts and report.ts are pure; run.ts does the
// SSH round trips.
export * from './types';
export * from './config';
export * from './checks';
export * from './parse';
export * from './script';
export * from './report';
export * from './run';
export * from './assets';
