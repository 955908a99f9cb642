// The schedule that keeps `tokenlake push` running: a systemd user timer on Linux, a launchd agent
// on macOS, or a crontab line to paste where neither applies. It only writes or removes files
// under the user's home and prints the one command that (de)activates them: it never starts,
// stops or reloads a service itself, so installing is safe to repeat and to test.

import { lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const SYSTEMD_UNIT = 'tokenlake-push';
const LAUNCHD_LABEL = 'dev.tokenlake.push';

type ScheduleKind = 'systemd' | 'launchd' | 'cron';

export interface ScheduleHost {
  home: string;
  platform: NodeJS.Platform;
  /** Whether systemd runs this machine (Linux): `/run/systemd/system` exists. */
  systemd: boolean;
}

export interface PushJob {
  /** The command the schedule runs, absolute executable first. */
  argv: string[];
  /** Variables the job needs; service managers do not inherit the login shell's. Never secrets. */
  env: Record<string, string>;
  everyMinutes: number;
}

interface ScheduleResult {
  kind: ScheduleKind;
  /** Files written (install) or removed (uninstall); empty when nothing changed. */
  changed: string[];
  /** Lines for the user: what to run next, or the crontab line. */
  notes: string[];
}

/** "15m", "1h", "90m" → minutes (1 minute to 1 day); null for anything else. */
export function parseEvery(text: string): number | null {
  const m = /^(\d{1,4})(m|min|h)$/.exec(text.trim());
  if (!m) return null;
  const minutes = Number(m[1]) * (m[2] === 'h' ? 60 : 1);
  return minutes >= 1 && minutes <= 1440 ? minutes : null;
}

function scheduleKind(host: ScheduleHost): ScheduleKind {
  if (host.platform === 'darwin') return 'launchd';
  if (host.platform === 'linux' && host.systemd) return 'systemd';
  return 'cron';
}

function schedulePaths(home: string): { service: string; timer: string; wants: string; plist: string } {
  const user = join(home, '.config', 'systemd', 'user');
  return {
    service: join(user, `${SYSTEMD_UNIT}.service`),
    timer: join(user, `${SYSTEMD_UNIT}.timer`),
    wants: join(user, 'timers.target.wants', `${SYSTEMD_UNIT}.timer`),
    plist: join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`),
  };
}

/** systemd splits ExecStart on blanks and expands '%' specifiers: quote and escape accordingly. */
function systemdWord(s: string): string {
  const escaped = s.replaceAll('%', '%%');
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function renderSystemdService(job: PushJob): string {
  const env = Object.entries(job.env).map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`)}\n`);
  return [
    '[Unit]\n',
    "Description=tokenlake push: this machine's coding-agent usage into the team lake\n",
    '\n[Service]\n',
    'Type=oneshot\n',
    ...env,
    // Secrets (AWS keys, TOKENLAKE_HMAC_KEY) go in this optional file, never in the unit.
    'EnvironmentFile=-%h/.config/tokenlake/push.env\n',
    `ExecStart=${job.argv.map(systemdWord).join(' ')}\n`,
  ].join('');
}

function renderSystemdTimer(job: PushJob): string {
  return [
    '[Unit]\n',
    `Description=Run tokenlake push every ${job.everyMinutes} minutes\n`,
    '\n[Timer]\n',
    'OnBootSec=2min\n',
    `OnUnitActiveSec=${job.everyMinutes}min\n`,
    'RandomizedDelaySec=30s\n',
    `Unit=${SYSTEMD_UNIT}.service\n`,
    '\n[Install]\n',
    'WantedBy=timers.target\n',
  ].join('');
}

function xml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function renderLaunchdPlist(job: PushJob, home: string): string {
  const log = join(home, 'Library', 'Logs', 'tokenlake-push.log');
  const env = Object.entries(job.env).map(([k, v]) => `    <key>${xml(k)}</key><string>${xml(v)}</string>\n`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n',
    '<plist version="1.0">\n<dict>\n',
    `  <key>Label</key><string>${LAUNCHD_LABEL}</string>\n`,
    '  <key>ProgramArguments</key>\n  <array>\n',
    ...job.argv.map((a) => `    <string>${xml(a)}</string>\n`),
    '  </array>\n',
    ...(env.length > 0 ? ['  <key>EnvironmentVariables</key>\n  <dict>\n', ...env, '  </dict>\n'] : []),
    `  <key>StartInterval</key><integer>${job.everyMinutes * 60}</integer>\n`,
    '  <key>RunAtLoad</key><true/>\n',
    '  <key>ProcessType</key><string>Background</string>\n',
    `  <key>StandardOutPath</key><string>${xml(log)}</string>\n`,
    `  <key>StandardErrorPath</key><string>${xml(log)}</string>\n`,
    '</dict>\n</plist>\n',
  ].join('');
}

/** The crontab schedule for an interval, or null when cron cannot express it evenly. */
function cronSchedule(minutes: number): string | null {
  if (minutes < 60) return 60 % minutes === 0 ? `*/${minutes} * * * *` : null;
  if (minutes === 1440) return '0 0 * * *';
  if (minutes % 60 === 0 && 24 % (minutes / 60) === 0) return `0 */${minutes / 60} * * *`;
  return null;
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

function cronLine(job: PushJob, home: string): string | null {
  const when = cronSchedule(job.everyMinutes);
  if (!when) return null;
  const env = Object.entries(job.env).map(([k, v]) => `${k}=${shellWord(v)}`);
  // cron turns an unescaped '%' into a newline.
  const command = [...env, ...job.argv.map(shellWord)].join(' ').replaceAll('%', '\\%');
  return `${when} ${command} >> ${shellWord(join(home, '.tokenlake-push.log'))} 2>&1`;
}

async function writeIfChanged(path: string, content: string): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch(() => null);
  if (current === content) return false;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, 'utf8');
  return true;
}

async function removeIfPresent(path: string): Promise<boolean> {
  const found = await lstat(path).catch(() => null);
  if (!found) return false;
  await rm(path, { force: true });
  return true;
}

/** Writes the schedule's files (unchanged files are left alone) and says how to activate them. */
export async function installSchedule(host: ScheduleHost, job: PushJob): Promise<ScheduleResult> {
  const kind = scheduleKind(host);
  const paths = schedulePaths(host.home);
  const changed: string[] = [];
  if (kind === 'systemd') {
    if (await writeIfChanged(paths.service, renderSystemdService(job))) changed.push(paths.service);
    if (await writeIfChanged(paths.timer, renderSystemdTimer(job))) changed.push(paths.timer);
    return {
      kind,
      changed,
      notes: [
        `systemd user timer ${changed.length > 0 ? 'written' : 'unchanged'}: ${paths.timer}`,
        `activate it with: systemctl --user daemon-reload && systemctl --user enable --now ${SYSTEMD_UNIT}.timer`,
        'to keep it running while you are logged out: loginctl enable-linger "$USER"',
      ],
    };
  }
  if (kind === 'launchd') {
    if (await writeIfChanged(paths.plist, renderLaunchdPlist(job, host.home))) changed.push(paths.plist);
    return {
      kind,
      changed,
      notes: [
        `launchd agent ${changed.length > 0 ? 'written' : 'unchanged'}: ${paths.plist}`,
        `activate it with: launchctl bootout gui/$(id -u)/${LAUNCHD_LABEL} 2>/dev/null; launchctl bootstrap gui/$(id -u) ${shellWord(paths.plist)}`,
      ],
    };
  }
  const line = cronLine(job, host.home);
  if (!line) throw new RangeError(`cron cannot run every ${job.everyMinutes} minutes evenly; use a divisor of 60 minutes or of 24 hours`);
  return { kind, changed, notes: ['no systemd or launchd here: add this line with "crontab -e":', line] };
}

/** Removes the schedule's files (a no-op when none are there) and says how to stop a running one. */
export async function uninstallSchedule(host: ScheduleHost): Promise<ScheduleResult> {
  const kind = scheduleKind(host);
  const paths = schedulePaths(host.home);
  const changed: string[] = [];
  if (kind === 'systemd') {
    // The enable symlink too: with the unit gone, "systemctl disable" could no longer remove it.
    for (const p of [paths.wants, paths.timer, paths.service]) if (await removeIfPresent(p)) changed.push(p);
    return {
      kind,
      changed,
      notes: [
        changed.length > 0 ? `removed ${changed.join(', ')}` : 'no tokenlake systemd timer was installed',
        `if it was running: systemctl --user stop ${SYSTEMD_UNIT}.timer; systemctl --user daemon-reload`,
      ],
    };
  }
  if (kind === 'launchd') {
    if (await removeIfPresent(paths.plist)) changed.push(paths.plist);
    return {
      kind,
      changed,
      notes: [
        changed.length > 0 ? `removed ${paths.plist}` : 'no tokenlake launchd agent was installed',
        `if it was loaded: launchctl bootout gui/$(id -u)/${LAUNCHD_LABEL}`,
      ],
    };
  }
  return { kind, changed, notes: ['no systemd or launchd here: remove the line running "tokenlake.mjs push" with "crontab -e"'] };
}
