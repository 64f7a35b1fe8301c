// The full-screen frame: header, body, footer. The root box is one row shorter than the
// terminal: at exactly `rows`, ink 6 clears the whole screen on every frame (ink#450, fixed in
// ink 7 by 32d96a6). Remove the `- 1` when moving to ink 7.
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { safeText } from '../src/terminal/sanitize';

export interface FrameProps {
  columns: number;
  rows: number;
  title: string;
  step?: { index: number; count: number };
  profileName?: string;
  hints: { keys: string; description: string }[];
  children: ReactNode;
}

export function Frame({ columns, rows, title, step, profileName, hints, children }: FrameProps) {
  const stepText = step ? `Step ${step.index}/${step.count}: ` : '';
  return (
    <Box width={columns} height={rows - 1} flexDirection="column">
      <Box justifyContent="space-between" paddingX={1}>
        <Text bold wrap="truncate">
          Genestack installer · {stepText}
          {title}
        </Text>
        {/* Kept whole and apart from the title, which is cut instead on a narrow terminal. */}
        <Box flexShrink={0} marginLeft={1}>
          <Text color="cyan">
            {profileName ? `profile: ${safeText(profileName, 24)}` : 'new profile'}
          </Text>
        </Box>
      </Box>
      <Box
        flexGrow={1}
        flexDirection="column"
        borderStyle="round"
        borderColor="gray"
        paddingX={1}
        overflow="hidden"
      >
        {children}
      </Box>
      <Box paddingX={1}>
        <Text dimColor wrap="truncate">
          {hints.map((h) => `${h.keys} ${h.description}`).join(' · ')}
        </Text>
      </Box>
    </Box>
  );
}
