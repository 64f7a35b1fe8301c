import { defineConfig, type Plugin } from 'vitest/config';
import { readFileSync } from 'node:fs';

// The bundle embeds assets as text (esbuild.config.mjs); tests load them the same way.
function assetText(): Plugin {
  return {
    name: 'asset-text',
    enforce: 'pre',
    load(id) {
      if (/\/assets\/[^?]+\.(sh|py|yaml|txt)$/.test(id)) {
        return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
      }
      return null;
    },
  };
}

export default defineConfig({
  plugins: [assetText()],
  define: { __INSTALLER_VERSION__: JSON.stringify(process.env.npm_package_version ?? '0.0.0-dev') },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/helpers/buildBundle.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'screens',
          include: ['test/screens/**/*.test.tsx'],
          setupFiles: ['test/helpers/screensSetup.ts'],
          testTimeout: 60_000,
        },
      },
      {
        // Faults and bad input (docs/reliability.md): real engines killed, disks filled, hosts
        // stopped. One file at a time: they share the machine's two cores with the runs they kill.
        extends: true,
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/helpers/buildBundle.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/helpers/buildBundle.ts'],
        },
      },
    ],
  },
});
