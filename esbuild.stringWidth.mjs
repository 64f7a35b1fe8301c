// An esbuild plugin for esbuild.config.mjs. string-width (8.x, which Ink and the installer's
// frame caches use) compiles /^\p{RGI_Emoji}$/v when it is loaded: about 35 ms before any frame
// is drawn, for a regex needed only to measure a non-ASCII string, which the wizard's first frame
// never asks it to (src/terminal/frameCache.ts answers the interface's own symbols itself). The
// plugin makes the regex be built on first use. test/unit/stringWidthLazy.test.ts bundles
// string-width with it and checks the same widths as the original.
import { readFile } from 'node:fs/promises';

const EAGER = 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;';
const LAZY = [
  'let rgiEmojiRegexBuilt;',
  'const rgiEmojiRegex = { test: (s) => (rgiEmojiRegexBuilt ??= /^\\p{RGI_Emoji}$/v).test(s) };',
].join('\n');

/** string-width's source with its emoji regex built on first use; other versions unchanged. */
export function lazyRgiEmoji(text, file) {
  // Older majors (wrap-ansi's own string-width 7) use the emoji-regex package instead.
  if (!/\/\^\\p\{RGI_Emoji\}\$\/v/.test(text)) return text;
  if (!text.includes(EAGER)) {
    throw new Error(
      `string-width-lazy-emoji: ${file} no longer declares ${EAGER}; check esbuild.stringWidth.mjs against it`,
    );
  }
  return text.replace(EAGER, LAZY);
}

export const stringWidthLazyEmoji = {
  name: 'string-width-lazy-emoji',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/ }, async (args) => ({
      contents: lazyRgiEmoji(await readFile(args.path, 'utf8'), args.path),
      loader: 'js',
    }));
  },
};
