/** An inclusive version range; `none` is the empty range. `hi` is Infinity for "N+". */
export interface VersionRange {
  readonly lo: number;
  readonly hi: number;
}

export const NO_VERSIONS: VersionRange = { lo: 0, hi: -1 };
export const ALL_VERSIONS: VersionRange = { lo: 0, hi: Infinity };

export function parseVersions(text: string | undefined, fallback: VersionRange = NO_VERSIONS): VersionRange {
  if (text === undefined) return fallback;
  const trimmed = text.trim();
  if (trimmed === 'none') return NO_VERSIONS;
  let match = /^(\d+)\+$/.exec(trimmed);
  if (match) return { lo: Number(match[1]), hi: Infinity };
  match = /^(\d+)-(\d+)$/.exec(trimmed);
  if (match) return { lo: Number(match[1]), hi: Number(match[2]) };
  match = /^(\d+)$/.exec(trimmed);
  if (match) return { lo: Number(match[1]), hi: Number(match[1]) };
  throw new Error(`bad version range ${JSON.stringify(text)}`);
}

export function isEmpty(range: VersionRange): boolean {
  return range.hi < range.lo;
}

export function contains(range: VersionRange, version: number): boolean {
  return version >= range.lo && version <= range.hi;
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return hi < lo ? NO_VERSIONS : { lo, hi };
}

/** `inner` covers every version of `outer` that matters (those inside `within`). */
export function covers(inner: VersionRange, outer: VersionRange, within: VersionRange): boolean {
  const o = intersect(outer, within);
  if (isEmpty(o)) return true;
  return inner.lo <= o.lo && inner.hi >= o.hi;
}

export function formatRange(range: VersionRange): string {
  if (isEmpty(range)) return 'none';
  if (range.hi === Infinity) return `${range.lo}+`;
  return range.lo === range.hi ? `${range.lo}` : `${range.lo}-${range.hi}`;
}
