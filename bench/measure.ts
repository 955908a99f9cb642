// Runs one side of a benchmark as a child process and measures it from outside: wall time, peak
// resident memory (GNU time's maximum RSS, which covers the child and the processes it waited for,
// e.g. ccusage's native binary behind its node launcher) and CPU time.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Measured {
  command: string;
  code: number | null;
  wallMs: number;
  /** Peak RSS in MiB (null when GNU time is not available). */
  peakRssMb: number | null;
  userS: number | null;
  sysS: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
export const hasGnuTime = existsSync(GNU_TIME);

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Keep at most this many characters of stdout (large JSON outputs are parsed by the caller). */
  maxStdout?: number;
}

function field(report: string, label: string): string | null {
  const line = report.split('\n').find((l) => l.trim().startsWith(label));
  return line ? line.slice(line.indexOf(label) + label.length).trim() : null;
}

export function runMeasured(command: string, args: string[], options: RunOptions = {}): Promise<Measured> {
  const argv = hasGnuTime ? ['-v', command, ...args] : args;
  const bin = hasGnuTime ? GNU_TIME : command;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(bin, argv, {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : null;
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (timer) clearTimeout(timer);
      let stderr = Buffer.concat(err).toString('utf8');
      let peakRssMb: number | null = null;
      let userS: number | null = null;
      let sysS: number | null = null;
      let exit = code;
      if (hasGnuTime) {
        const at = stderr.lastIndexOf('\tCommand being timed:');
        const report = at >= 0 ? stderr.slice(at) : '';
        stderr = at >= 0 ? stderr.slice(0, at) : stderr;
        const rss = field(report, 'Maximum resident set size (kbytes):');
        peakRssMb = rss ? Number(rss) / 1024 : null;
        const user = field(report, 'User time (seconds):');
        const sys = field(report, 'System time (seconds):');
        userS = user ? Number(user) : null;
        sysS = sys ? Number(sys) : null;
        const status = field(report, 'Exit status:');
        if (status !== null) exit = Number(status);
      }
      let stdout = Buffer.concat(out).toString('utf8');
      if (options.maxStdout && stdout.length > options.maxStdout) stdout = stdout.slice(0, options.maxStdout);
      resolve({ command: [command, ...args].join(' '), code: exit, wallMs, peakRssMb, userS, sysS, stdout, stderr });
    });
  });
}

/** The last line of stdout parsed as JSON (children print one JSON result line last). */
export function lastJsonLine<T>(m: Measured): T {
  const lines = m.stdout.trim().split('\n');
  const last = lines[lines.length - 1];
  if (m.code !== 0 || !last) throw new Error(`${m.command} failed (exit ${m.code}): ${m.stderr.slice(-2000)}`);
  return JSON.parse(last) as T;
}
