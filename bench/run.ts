// `npm run bench [-- NAME...]`: runs the benchmarks one after another (they must not compete
// for this machine's cores), each in its own process. Each benchmark prints its figures and
// records them in docs/benchmarks.md.
import { execa } from 'execa';
import { readdirSync } from 'node:fs';

const all = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('lib'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n== bench/${name}.ts`);
  const r = await execa('npx', ['tsx', `bench/${name}.ts`], { stdio: 'inherit', reject: false });
  if (r.exitCode !== 0) {
    console.error(`bench/${name}.ts failed with exit code ${r.exitCode}`);
    process.exitCode = 1;
  }
}
