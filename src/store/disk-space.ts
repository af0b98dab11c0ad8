/**
 * Free space where simgate.db lives. A full state disk stops every write (no SMS stored,
 * no number sold), so the operator hears about it before: one warning when the free
 * space falls below the threshold and one note when it is back above it — per crossing,
 * never per write or per check. Back above means threshold + 10 %, so a disk hovering at
 * the line does not flood the log. The value is also a gauge on /metrics.
 */
import { statfsSync } from "node:fs";

export interface DiskSpace {
  /** Bytes an unprivileged process may still write (statfs bavail). */
  freeBytes: number;
  totalBytes: number;
}

export function diskSpace(dir: string): DiskSpace | undefined {
  try {
    const s = statfsSync(dir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

export interface LowSpaceOptions {
  dir: string;
  thresholdBytes: number;
  everyMs: number;
  onLow: (space: DiskSpace) => void;
  onRecovered: (space: DiskSpace) => void;
}

export class LowSpaceWatch {
  #low = false;
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly o: LowSpaceOptions) {
    this.check();
    this.#timer = setInterval(() => this.check(), o.everyMs);
    this.#timer.unref();
  }

  get low(): boolean {
    return this.#low;
  }

  /** Sample now (also called when a write fails); reports a crossing once. */
  check(): DiskSpace | undefined {
    const space = diskSpace(this.o.dir);
    if (!space) return undefined;
    if (!this.#low && space.freeBytes < this.o.thresholdBytes) {
      this.#low = true;
      this.o.onLow(space);
    } else if (this.#low && space.freeBytes >= this.o.thresholdBytes * 1.1) {
      this.#low = false;
      this.o.onRecovered(space);
    }
    return space;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
