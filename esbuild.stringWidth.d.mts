// Types of esbuild.stringWidth.mjs, for the test that imports it.
import type { Plugin } from 'esbuild';

export function lazyRgiEmoji(text: string, file: string): string;
export const stringWidthLazyEmoji: Plugin;
