// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function
// and per file or package, so a missed target's explanation rests on a measurement.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  functions: ProfileEntry[];
  /** Self time grouped by package (node_modules/<pkg>) or project folder (lib/…, local/…) or V8 bucket. */
  places: ProfileEntry[];
  /** Inclusive time (self + callees) of tokenlake's own functions: which phase the time went to. */
  phases: ProfileEntry[];
}

const PROJECT_CODE = /\/(lib|local|cli|functions)\//;

function placeOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return 'node-internals';
  const m = /\/(lib|local|cli|functions|bench)\/(.+)$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : url.split('/').slice(-2).join('/');
}

function top(map: Map<string, number>, total: number, n: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), share: total > 0 ? us / total : 0 }));
}

export function summarizeCpuProfile(file: string, n = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  const phases = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += dt;
    const where = url ? `${placeOf(url, functionName)}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + dt);
    const place = placeOf(url, functionName);
    places.set(place, (places.get(place) ?? 0) + dt);
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame && PROJECT_CODE.test(frame.url) && frame.functionName)
        onStack.add(`${frame.functionName} ${placeOf(frame.url, frame.functionName)}`);
    }
    for (const f of onStack) phases.set(f, (phases.get(f) ?? 0) + dt);
  }
  return {
    file,
    totalMs: Math.round(total / 1000),
    functions: top(functions, total, n),
    places: top(places, total, n),
    phases: top(phases, total, n + 6),
  };
}

/** The largest profile in a folder (a launcher that re-spawns itself writes a small one too). */
export function largestProfileIn(dir: string): string | null {
  let best: { file: string; size: number } | null = null;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.cpuprofile')) continue;
    const size = readFileSync(join(dir, f)).byteLength;
    if (!best || size > best.size) best = { file: join(dir, f), size };
  }
  return best?.file ?? null;
}
