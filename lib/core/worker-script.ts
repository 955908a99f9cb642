// Where a worker thread's script is, for either form tokenlake runs in: the CLI bundle (one entry
// per worker in scripts/build-cli.mjs, handed in by bin/tokenlake.mjs) or the TypeScript sources
// (tests, a checkout without the bundle). A thread does not inherit tsx's loader, so from the
// sources its script is a data: URL that registers tsx, then imports the worker module.

/** How to start a worker thread: its script and the Node flags it needs. */
export interface WorkerScript {
  script: URL;
  /** Node flags of the thread (default: none; the parent's --import tsx must not be repeated). */
  execArgv?: string[];
}

/** A script that runs the TypeScript module at `worker` (a file: URL) under tsx. */
export function tsxWorkerScript(worker: URL): URL {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(worker.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
