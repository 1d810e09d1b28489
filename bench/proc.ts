import { readFileSync, writeFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used, from /proc; 100 % of one core = 1 s per s. */
export function processCpuSeconds(pid: number | 'self' = 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks at 100 Hz
}

/** This process's peak RSS (the kernel's high-water mark, VmHWM) in bytes. */
export function peakRss(): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return hwm ? Number(hwm[1]) * 1024 : process.memoryUsage().rss;
}

/** Start the peak RSS afresh (a measured window after start-up). */
export function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux, or not allowed: the peak then includes what came before
  }
}
