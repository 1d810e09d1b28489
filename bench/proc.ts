import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used, from /proc; 100 % of one core = 1 s per s. */
export function processCpuSeconds(pid: number | 'self' = 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks at 100 Hz
}
