import { readFileSync } from 'node:fs';

/**
 * `npm start` runs npm → sh → tsx → node. A supervisor's SIGTERM to npm ends npm and sh, but the shell does not pass
 * it on, so tsx and this process would live on (with the dev server and PostgreSQL) as orphans. This notices that
 * the launcher is gone — our parent or its parent exits — and calls `onGone`. Linux only (it reads /proc); elsewhere
 * Ctrl-C, which signals the whole process group, is what stops the stack.
 */
export function watchLauncher(onGone: () => void, intervalMs = 1_000): () => void {
  if (process.platform !== 'linux') return () => undefined;
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const timer = setInterval(() => {
    if (process.ppid !== parent || parentOf(parent) !== grandparent) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
