import { z } from 'zod';

/** Schema builders whose messages read like the README: "expected an integer 0–65535". */
export function intIn(min: number, max: number) {
  const error = `expected an integer ${min}–${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

export function positiveMs(what = 'a duration in ms') {
  const error = `expected ${what} (an integer > 0)`;
  return z.int({ error }).positive({ error });
}

export function finite(what = 'a number') {
  return z.number({ error: `expected ${what}` });
}

export const idSchema = z
  .string({ error: 'expected an id (lower-case letters, digits, - and _)' })
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'expected an id (lower-case letters, digits, - and _)' });

export const pointNameSchema = z
  .string({ error: 'expected a point name in snake_case with its unit, e.g. supply_temp_c' })
  .regex(/^[a-z][a-z0-9_]{0,63}$/, {
    error: 'expected a point name in snake_case with its unit, e.g. supply_temp_c',
  });

export const portSchema = intIn(0, 65535);

/** The name of an environment variable a secret is read from (secrets never live in the site file). */
export const envNameSchema = z
  .string({ error: 'expected an environment variable name' })
  .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name' });

export const emailAddressSchema = z.email({ error: 'expected an e-mail address such as ops@example.com' });

function describe(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'an object';
  if (typeof input === 'string')
    return JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input);
  return String(input);
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/** One line per failing path: `assets[3].points[2].deadband: expected a number ≥ 0, got "x"`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) lines.push(`${formatPath([...path, key])}: unknown key`);
        break;
      case 'invalid_union':
        lines.push(`${formatPath(path)}: ${issue.message}, got ${describe(input)}`);
        break;
      case 'custom':
        lines.push(`${formatPath(path)}: ${issue.message}`);
        break;
      case 'invalid_type':
        lines.push(
          input === undefined ? `${formatPath(path)}: required (${issue.message})` : withInput(path, issue),
        );
        break;
      default:
        lines.push(withInput(path, issue));
    }
  }
  return lines;
}

function withInput(path: PropertyKey[], issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  const message = issue.message.startsWith('Invalid') ? `expected ${expectedOf(issue)}` : issue.message;
  return `${formatPath(path)}: ${message}, got ${describe(input)}`;
}

function expectedOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return `${issue.expected}`;
  if (issue.code === 'invalid_value')
    return `one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}`;
  return issue.message;
}
