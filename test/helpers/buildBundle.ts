// vitest globalSetup for the integration suite: build dist/genestack-installer.mjs once, so the
// CLI tests always run the bundle made from the code under test.
import { execa } from 'execa';

export default async function setup(): Promise<void> {
  await execa('node', ['esbuild.config.mjs'], { stdio: 'inherit' });
}
