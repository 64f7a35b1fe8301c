// Imported first by screens/launch.tsx, before Ink: hides the global `fetch` while Ink's layout
// engine (yoga-layout) initialises, and launch.tsx calls restoreFetch() once its imports have
// run. yoga's WebAssembly is inlined as a data: URL; when `fetch` exists, yoga fetches that URL,
// which makes Node load its whole HTTP client (undici) first: about 40 ms before the first
// frame, for nothing (docs/benchmarks.md, Startup). Without `fetch`, yoga decodes the same bytes
// itself. Nothing else runs in between.
const saved = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
if (saved?.configurable) {
  Object.defineProperty(globalThis, 'fetch', {
    value: undefined,
    configurable: true,
    writable: true,
  });
}

/** Puts `fetch` back exactly as it was (Node defines it lazily; this does not load it). */
export function restoreFetch(): void {
  if (saved?.configurable) Object.defineProperty(globalThis, 'fetch', saved);
}
