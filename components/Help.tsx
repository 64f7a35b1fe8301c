import { Box, Text } from 'ink';

export function Help({
  title,
  text,
  bindings,
}: {
  title: string;
  text: string;
  bindings: { keys: string; description: string }[];
}) {
  return (
    <Box flexDirection="column">
      <Text bold>Help: {title}</Text>
      <Text wrap="wrap">{text}</Text>
      <Text> </Text>
      {bindings.map((b) => (
        <Text key={b.keys + b.description} wrap="truncate">
          <Text color="cyan">{b.keys.padEnd(14)}</Text> {b.description}
        </Text>
      ))}
      <Text> </Text>
      <Text dimColor>Press any key to close the help.</Text>
    </Box>
  );
}
