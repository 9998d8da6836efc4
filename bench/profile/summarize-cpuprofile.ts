// Self time per function from a V8 .cpuprofile (what `node --cpu-prof` writes), so a profile
// can be read in a terminal and its top entries kept in the repo next to the figures.
//
//   tsx bench/profile/summarize-cpuprofile.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the time the process was not idle. */
  percent: number;
  /** The JavaScript callers that account for most of this self time: native frames such as
   * `writeBuffer` serve both sockets and files, and only the caller tells which. */
  callers: string;
}

export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  idleMs: number;
  gcMs: number;
  top: HotSpot[];
}

// V8's pseudo-frames: time that is no JavaScript function's own.
const IDLE = '(idle)';

export function summarize(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const label = (id: number): string => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'}${f.url ? ` ${basename(f.url)}:${f.lineNumber + 1}` : ''}`;
  };
  // The first two frames above a node: enough to tell a socket write from a file write.
  const callerChain = (id: number): string => {
    const first = parentOf.get(id);
    if (first === undefined) return '';
    const second = parentOf.get(first);
    return second === undefined ? label(first) : `${label(first)} ← ${label(second)}`;
  };
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the gap before sample i; the time until the next sample belongs to sample i.
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + us);
  }
  const grouped = new Map<string, HotSpot>();
  let idleUs = 0;
  let gcUs = 0;
  let busyUs = 0;
  const callerUs = new Map<string, Map<string, number>>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || '(anonymous)';
    if (name === IDLE) {
      idleUs += us;
      continue;
    }
    if (name === '(garbage collector)') gcUs += us;
    busyUs += us;
    // Line numbers in the profile are 0-based.
    const where = frame.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const spot = grouped.get(key) ?? { name, where, selfMs: 0, percent: 0, callers: '' };
    spot.selfMs += us / 1000;
    grouped.set(key, spot);
    const chains = callerUs.get(key) ?? new Map<string, number>();
    const chain = callerChain(id);
    chains.set(chain, (chains.get(chain) ?? 0) + us);
    callerUs.set(key, chains);
  }
  const spots = [...grouped.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const spot of spots) {
    const chains = [...(callerUs.get(`${spot.name}@${spot.where}`) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]);
    const total = chains.reduce((sum, [, us]) => sum + us, 0);
    spot.callers = chains
      .slice(0, 2)
      .filter(([chain]) => chain)
      .map(([chain, us]) => `${Math.round((us * 100) / Math.max(1, total))} % ${chain}`)
      .join('; ');
    spot.percent = Number(((spot.selfMs * 1000 * 100) / Math.max(1, busyUs)).toFixed(1));
    spot.selfMs = Number(spot.selfMs.toFixed(1));
  }
  return {
    wallMs: Number(((profile.endTime - profile.startTime) / 1000).toFixed(1)),
    busyMs: Number((busyUs / 1000).toFixed(1)),
    idleMs: Number((idleUs / 1000).toFixed(1)),
    gcMs: Number((gcUs / 1000).toFixed(1)),
    top: spots,
  };
}

export function summaryTable(summary: ProfileSummary): string {
  const lines = [
    `wall ${summary.wallMs} ms · busy ${summary.busyMs} ms · idle ${summary.idleMs} ms · GC ${summary.gcMs} ms (${((summary.gcMs * 100) / Math.max(1, summary.busyMs)).toFixed(1)} % of busy)`,
    '',
    '| self ms | % of busy | function | where | called from (share of its self time) |',
    '|---|---|---|---|---|',
    ...summary.top.map((s) => `| ${s.selfMs} | ${s.percent} | \`${s.name}\` | ${s.where} | ${s.callers} |`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [file, topText] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: summarize-cpuprofile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(summaryTable(summarize(profile, Number(topText ?? 25))) + '\n');
}
