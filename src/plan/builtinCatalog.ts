// The catalog shipped with the installer, embedded as text in the bundle (esbuild.config.mjs)
// and in tests (vitest.config.ts).
import catalogText from '../../assets/catalog/phases.yaml';
import { parseCatalog, type Catalog } from './catalog';

export const BUILTIN_CATALOG_SOURCE = 'built-in:assets/catalog/phases.yaml';

let cached: Catalog | undefined;

/** The built-in catalog; a broken one is a bug in the installer and throws CatalogError. */
export function builtinCatalog(): Catalog {
  cached ??= parseCatalog(catalogText, { source: BUILTIN_CATALOG_SOURCE });
  return cached;
}

export function builtinCatalogText(): string {
  return catalogText;
}
