import { Text } from 'ink';
import { safeText } from '../src/terminal/sanitize';

/**
 * One line naming the hosts whose facts a screen lacks (a --profile's host not reached yet or
 * at all), what is therefore not listed, and that the saved answers stay.
 */
export function MissingFacts({
  hosts,
  what,
}: {
  hosts: readonly { name: string; why: string }[];
  /** e.g. "its interfaces are not listed; saved answers are kept" */
  what: string;
}) {
  if (hosts.length === 0) return null;
  return (
    <Text color="yellow" wrap="truncate">
      {safeText(`${hosts.map((u) => `${u.name} ${u.why}`).join('; ')}: ${what}`)}
    </Text>
  );
}
