import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every process a test starts goes through spawnTracked: it runs in a process group of its own (so stopping it
 * stops what it started too, e.g. the node process behind `tsx`), and its group is recorded in the run's folder,
 * so global teardown can check that nothing a test started outlived the suite.
 */

/** Where the process groups of the run whose folder is `workDir` are recorded. */
export const processesDir = (workDir: string) => path.join(workDir, 'processes');

export function spawnTracked(
  workDir: string,
  command: string,
  args: string[],
  options: Omit<SpawnOptions, 'detached'>,
): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid !== undefined) {
    mkdirSync(processesDir(workDir), { recursive: true });
    writeFileSync(path.join(processesDir(workDir), String(child.pid)), [command, ...args].join(' '));
  }
  return child;
}

/** Sends `signal` to the child's whole process group (what a terminal's Ctrl-C or a supervisor would do). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** SIGKILLs the child's process group and resolves once the child has exited. */
export function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      signalGroup(child, 'SIGKILL'); // its own children may still be running
      return resolve();
    }
    child.once('exit', () => resolve());
    signalGroup(child, 'SIGKILL');
  });
}

/** Live (not zombie) processes whose process group is `pgid`, as "pid command". */
export function livingMembers(pgid: number): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses, so parse after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push(`${name} ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The recorded process groups of a run with their living members; kills them when `kill` is set. */
export function leftoverProcesses(workDir: string, opts: { kill: boolean }): string[] {
  let groups: string[];
  try {
    groups = readdirSync(processesDir(workDir));
  } catch {
    return [];
  }
  const left: string[] = [];
  for (const group of groups) {
    const members = livingMembers(Number(group));
    if (members.length === 0) continue;
    left.push(...members);
    if (opts.kill) {
      try {
        process.kill(-Number(group), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  return left;
}
