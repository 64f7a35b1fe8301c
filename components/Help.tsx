import { Box, Text } from 'ink';

export interface HelpContent {
  title: string;
  text: string;
  bindings: { keys: string; description: string }[];
}

/** Word-wrap one paragraph to `width` columns (the help is scrolled by lines, so it wraps itself). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      out.push(line);
      line = word;
    }
    while (line.length > width) {
      out.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  if (line !== '') out.push(line);
  return out;
}

interface HelpLine {
  text: string;
  keys?: string;
  bold?: boolean;
  dim?: boolean;
}

/** Every line of the help at a width: what the overlay scrolls through. */
export function helpLines({ title, text, bindings }: HelpContent, width: number): HelpLine[] {
  return [
    { text: `Help: ${title}`, bold: true },
    ...wrap(text, Math.max(10, width)).map((t) => ({ text: t })),
    { text: '' },
    ...bindings.map((b) => ({ text: b.description, keys: b.keys })),
    { text: '' },
    { text: 'Press any other key to close the help.', dim: true },
  ];
}

/** The help overlay, `rows` high, from line `offset` (clamped); says where it is when it scrolls. */
export function Help({
  content,
  width,
  rows,
  offset,
}: {
  content: HelpContent;
  width: number;
  rows: number;
  offset: number;
}) {
  const lines = helpLines(content, width);
  const scrolls = lines.length > rows;
  // One row for the position line when the help does not fit.
  const room = scrolls ? Math.max(1, rows - 1) : rows;
  const start = Math.max(0, Math.min(offset, lines.length - room));
  return (
    <Box flexDirection="column" height={rows} overflow="hidden">
      {lines.slice(start, start + room).map((l, i) => (
        <Text key={start + i} wrap="truncate" bold={l.bold} dimColor={l.dim}>
          {l.keys !== undefined ? <Text color="cyan">{l.keys.padEnd(14)}</Text> : null}
          {l.keys !== undefined ? ' ' : ''}
          {l.text === '' ? ' ' : l.text}
        </Text>
      ))}
      {scrolls ? (
        <Text dimColor wrap="truncate">
          lines {start + 1}-{start + room} of {lines.length} · ↑/↓ PgUp/PgDn scroll
        </Text>
      ) : null}
    </Box>
  );
}

/** The largest useful offset: the last screenful. */
export function maxHelpOffset(content: HelpContent, width: number, rows: number): number {
  const n = helpLines(content, width).length;
  return n > rows ? n - Math.max(1, rows - 1) : 0;
}
