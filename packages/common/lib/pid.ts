/**
 * Whether a process id exists in this pid namespace. It can prove a process gone; it cannot prove a
 * process is the one you mean (pids are reused), so callers that act on a live pid check more.
 */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
