/**
 * A tiny seeded PRNG (mulberry32) so a pool generated from the same seed is the same
 * pool on every start, and fault dice (dropped replies, garbage) are reproducible.
 * Instances only: no module-level state.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** `count` decimal digits as a string. */
  digits(count: number): string;
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    digits: (count) => {
      let out = "";
      for (let i = 0; i < count; i++) out += String(int(0, 9));
      return out;
    },
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new RangeError("pick from an empty list");
      return item;
    },
  };
}

/** Seeds from the CLI may be any string; numbers are used as they are, anything else is hashed (FNV-1a). */
export function seedFrom(value: string | number): number {
  if (typeof value === "number") return value >>> 0;
  if (/^\d+$/.test(value)) return Number(BigInt(value) & 0xffffffffn);
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
