/**
 * CPU time read from Linux's /proc, for the benchmarks' "CPU ms per answer / per event / per application"
 * figures: a process's (DynamoDB Local's JVM, this process) and each thread's of this process.
 * Elsewhere than Linux the reads give NaN or an empty map and the figures print as such.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU ms of the process or thread whose stat file this is, or NaN when unreadable. */
function statCpuMs(statPath: string): number {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // Fields after the command name "(...)", which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** A process's user + system CPU ms so far, every thread included (this process by default), or NaN. */
export function processCpuMs(pid: number | undefined = process.pid): number {
  return pid === undefined ? Number.NaN : statCpuMs(`/proc/${pid}/stat`);
}

/** Every thread of this process: Linux thread id → user + system CPU ms so far; empty when unreadable. */
export function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    const ms = statCpuMs(`/proc/self/task/${tid}/stat`);
    // NaN: the thread ended between the listing and the read.
    if (!Number.isNaN(ms)) out.set(Number(tid), ms);
  }
  return out;
}
