#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx. The embedded S3 server needs OpenSSL's legacy
// provider for listing continuation tokens, so the process is re-spawned with it when missing.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const flag = '--openssl-legacy-provider';
if (!process.execArgv.includes(flag) && !(process.env.NODE_OPTIONS ?? '').includes(flag)) {
  // A larger young generation cuts the scavenger's share when a sync parses millions of lines.
  const heap = process.execArgv.some((a) => a.startsWith('--max-semi-space-size')) ? [] : ['--max-semi-space-size=32'];
  const child = spawn(process.execPath, [flag, ...heap, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  // The AWS SDK warns on every start that it will need Node 22 from 2027; tokenlake deploys on
  // nodejs22.x and says so in the README, so the notice is dropped here rather than shown per run.
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = (warning, ...rest) => {
    if (String(warning).startsWith('NodeVersionSupportWarning')) return;
    emitWarning(warning, ...rest);
  };
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
