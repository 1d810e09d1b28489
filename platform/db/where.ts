/**
 * `WHERE a = ? AND b < ?` from the filters that were given (undefined ones are left out), with their
 * arguments in order; an empty string when none was.
 */
export function whereOf(filters: readonly [sql: string, value: string | number | undefined][]): {
  where: string;
  args: (string | number)[];
} {
  const given = filters.filter(([, v]) => v !== undefined) as [string, string | number][];
  return {
    where: given.length ? `WHERE ${given.map(([sql]) => sql).join(' AND ')}` : '',
    args: given.map(([, v]) => v),
  };
}
