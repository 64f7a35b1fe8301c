// Turns zod's schema issues into findings a person can act on: the field, what is wrong, the
// fix, and a "did you mean" for misspelt keys and values.
import type { z } from 'zod';
import { formatPath, type Finding, type PathSegment } from './findings';
import { ProfileSchema } from './schema';
import { closest } from './suggest';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

function def(schema: AnySchema): Record<string, unknown> & { type: string } {
  return (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod
    .def;
}

/** Look through wrappers (default, optional) to the schema that gives a value its shape. */
function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const d = def(s);
    if (d.type === 'default' || d.type === 'optional' || d.type === 'prefault') {
      s = d.innerType as AnySchema;
    } else return s;
  }
}

/** The schema that governs the value at `path`, or undefined when the path leaves the schema. */
export function schemaAt(
  path: readonly PathSegment[],
  root: AnySchema = ProfileSchema,
): AnySchema | undefined {
  let s: AnySchema | undefined = unwrap(root);
  for (const seg of path) {
    if (!s) return undefined;
    const d = def(s);
    if (d.type === 'object' && typeof seg === 'string') {
      const shape = d.shape as Record<string, AnySchema>;
      s = shape[seg] ? unwrap(shape[seg]) : undefined;
    } else if (d.type === 'array' && typeof seg === 'number') {
      s = unwrap(d.element as AnySchema);
    } else if (d.type === 'union') {
      // Follow the first branch that knows this segment (osdDisks: string | {path, ...}).
      const options = d.options as AnySchema[];
      s = options.map((o) => schemaAt([seg], o)).find((x) => x !== undefined);
    } else return undefined;
  }
  return s;
}

/** The keys an object at `path` accepts. */
export function knownKeys(path: readonly PathSegment[]): string[] {
  const s = schemaAt(path);
  if (!s) return [];
  const d = def(s);
  if (d.type === 'object') return Object.keys(d.shape as object);
  if (d.type === 'union') {
    for (const o of d.options as AnySchema[]) {
      const od = def(unwrap(o));
      if (od.type === 'object') return Object.keys(od.shape as object);
    }
  }
  return [];
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 40 ? s.slice(0, 37) + '...' : s}`;
}

const typeWords: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

export function describeIssue(issue: Issue, data: unknown, base: PathSegment[] = []): Finding[] {
  const path = [...base, ...(issue.path as PathSegment[])];
  const where = formatPath(path);
  const field = where || 'the profile';
  const finding = (rule: string, message: string, fix: string): Finding => ({
    severity: 'error',
    rule,
    path: where,
    message,
    fix,
  });

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(path);
      return issue.keys.map((key) => {
        const suggestion = closest(key, known);
        return {
          severity: 'error',
          rule: 'unknown-key',
          path: formatPath([...path, key]),
          message: `unknown key "${key}"${where ? ` in ${where}` : ''}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
          fix: suggestion
            ? `rename it to "${suggestion}"`
            : `remove it; the keys allowed here are: ${known.join(', ')}`,
        };
      });
    }
    case 'invalid_type': {
      const value = valueAt(data, path);
      if (value === undefined) {
        return [
          finding(
            'missing-field',
            `${field} is required`,
            `add "${String(path[path.length - 1])}:" with ${typeWords[issue.expected] ?? issue.expected}`,
          ),
        ];
      }
      return [
        finding(
          'wrong-type',
          `${field} must be ${typeWords[issue.expected] ?? issue.expected}, not ${describeValue(value)}`,
          `write ${typeWords[issue.expected] ?? issue.expected} here`,
        ),
      ];
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      const value = valueAt(data, path);
      const suggestion = typeof value === 'string' ? closest(value, values) : undefined;
      const list = values.join(', ');
      if (values.length === 1) {
        return [finding('wrong-value', `${field} must be "${values[0]}"`, `write ${values[0]}`)];
      }
      return [
        finding(
          'wrong-value',
          `${field} is ${describeValue(value)}; it must be one of: ${list}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
          suggestion ? `write "${suggestion}"` : `choose one of: ${list}`,
        ),
      ];
    }
    case 'invalid_union': {
      // Report the branch that matches the value's kind (a string, or a mapping).
      const value = valueAt(data, path);
      const branch =
        issue.errors.find((errs) =>
          errs.every((e) => e.path.length > 0 || e.code !== 'invalid_type'),
        ) ??
        issue.errors[typeof value === 'string' ? 0 : issue.errors.length - 1] ??
        [];
      if (branch.length === 0)
        return [finding('wrong-type', `${field} is not valid`, 'check the value')];
      return branch.flatMap((e) => describeIssue(e, data, path));
    }
    case 'too_small':
    case 'too_big': {
      const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const custom = !issue.message.startsWith('Too ');
      const message = custom
        ? `${field} ${issue.message}`
        : `${field} must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(limit)}${issue.origin === 'array' ? ' entries' : issue.origin === 'string' ? ' characters' : ''}`;
      return [finding('out-of-range', message, `change ${field}`)];
    }
    case 'invalid_format':
      return [finding('wrong-format', `${field} ${issue.message}`, `correct ${field}`)];
    default:
      return [finding('invalid', `${field}: ${issue.message}`, `correct ${field}`)];
  }
}
