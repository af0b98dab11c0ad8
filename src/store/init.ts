/**
 * `simgate store init [--force]`: a new, empty store in place of a damaged, foreign or
 * missing one.
 *
 * - Nothing there: creates the store (what the first start would do).
 * - A healthy store: nothing to do without --force; with it, the store is replaced too.
 * - Anything the daemon refuses (empty, foreign, damaged, missing with a floor, newer
 *   schema, damaged floor): refused without --force, with what --force would do.
 *
 * --force never deletes: simgate.db and its SQLite companions are renamed aside
 * (`simgate.db.replaced-<UTC time>`), and what the old file held that is now forgotten
 * (open activations, undelivered SMS) is read from the moved file and reported. Ids
 * continue above the floor: the higher of the id-floor file and the old file's own ids.
 * A store another process holds (a running daemon) is never replaced.
 */
import { existsSync, renameSync } from "node:fs";
import { ErrorCode, isSimgateError, SimgateError } from "../errors.js";
import { createStoreFile, openDatabase } from "./database.js";
import { fsyncPath } from "./durable-fs.js";
import { floorPath, higherFloor, readIdFloor, writeIdFloor, ZERO_FLOOR, type IdFloor } from "./id-floor.js";
import { DB_COMPANION_SUFFIXES, dbPath, storeCommandLine } from "./paths.js";
import { summarise, summariseFile, type StoreSummary } from "./store-summary.js";
import { inspectStatePath } from "./store-identity.js";

export interface InitOptions {
  stateDir: string;
  force: boolean;
  /** Names the moved-aside files (tests). */
  clock?: () => number;
}

/** What the replaced file held, or why it could not be read. */
export type Forgotten = { readable: true; summary: StoreSummary } | { readable: false; reason: string };

export type InitOutcome =
  | { kind: "created"; path: string }
  | { kind: "exists"; path: string }
  | {
      kind: "replaced";
      path: string;
      /** Why the old one went: the refusal it got, or "replaced on request" for a healthy one. */
      problem: string;
      /** simgate.db's new name, when there was one to move. */
      oldFile: string | undefined;
      /** Every file renamed aside (simgate.db, its companions, a damaged floor), new names. */
      movedAside: string[];
      forgotten: Forgotten;
      /** Ids of the new store continue above these. */
      floor: IdFloor;
      /** The id-floor file was damaged too: the floor is only the old file's own ids. */
      floorWasDamaged: boolean;
    };

/** The refusals `init --force` is for; anything else (locked, not writable) it cannot fix. */
const REPLACEABLE: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.StoreNotAStore]: "it is not a simgate store",
  [ErrorCode.StoreCorrupt]: "it is damaged",
  [ErrorCode.StoreMissing]: "it is missing while the id floor shows a store was here",
  [ErrorCode.StoreNewerVersion]: "a newer simgate wrote it",
  [ErrorCode.StoreIdFloorDamaged]: "its id floor file is damaged",
  [ErrorCode.StoreMigrationFailed]: "its schema migration fails",
  [ErrorCode.StoreForeignWal]: "a write-ahead log that is not its own lies beside it",
};

export function initStore(opts: InitOptions): InitOutcome {
  const { stateDir } = opts;
  const file = dbPath(stateDir);
  const wasMissing = inspectStatePath(file) === "missing";
  let problem: string;
  let forgotten: Forgotten | undefined;
  try {
    const opened = openDatabase({ stateDir, busyTimeoutMs: 500 });
    if (wasMissing || !opts.force) {
      opened.idFloor.settle(opened.db);
      opened.db.close();
      return { kind: wasMissing ? "created" : "exists", path: file };
    }
    problem = "replaced on request";
    forgotten = { readable: true, summary: summarise(opened.db) };
    // The clean close writes the exact floor, which the new store starts from.
    opened.idFloor.settle(opened.db);
    opened.db.close();
  } catch (err) {
    const why = isSimgateError(err) ? REPLACEABLE[err.code] : undefined;
    if (why === undefined) throw err;
    if (!opts.force) {
      throw new SimgateError(
        `not replacing ${file} without --force (${why}): '${storeCommandLine("init --force", stateDir)}' moves it aside (never deletes it) and starts an empty store whose ids continue above the last ones issued; the open activations and undelivered SMS in the old file are forgotten`,
        ErrorCode.StoreInitRefused,
        { path: file },
        { cause: err },
      );
    }
    problem = why;
  }
  return replace(opts, file, problem, forgotten);
}

function replace(opts: InitOptions, file: string, problem: string, known: Forgotten | undefined): InitOutcome {
  const { stateDir } = opts;
  let floorOnDisk: IdFloor | undefined;
  let floorWasDamaged = false;
  try {
    floorOnDisk = readIdFloor(stateDir);
  } catch (err) {
    if (!isSimgateError(err, ErrorCode.StoreIdFloorDamaged)) throw err;
    floorWasDamaged = true;
  }
  const suffix = freeSuffix(file, `.replaced-${new Date((opts.clock ?? Date.now)()).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`);
  // Companions keep their tails (simgate.db.replaced-…-wal) so SQLite still pairs them with the moved file.
  const moves = [file, ...DB_COMPANION_SUFFIXES.map((s) => `${file}${s}`)].map((from) => [from, file + suffix + from.slice(file.length)] as const);
  if (floorWasDamaged) moves.push([floorPath(stateDir), floorPath(stateDir) + suffix]);
  const movedAside: string[] = [];
  for (const [from, to] of moves) {
    if (!existsSync(from)) continue;
    renameSync(from, to);
    movedAside.push(to);
  }
  fsyncPath(stateDir);
  const oldFile = movedAside.includes(file + suffix) ? file + suffix : undefined;
  const forgotten: Forgotten =
    known ?? (oldFile === undefined ? { readable: false, reason: "there was no file" } : readForgotten(oldFile));
  const floor = higherFloor(floorOnDisk ?? ZERO_FLOOR, forgotten.readable ? forgotten.summary.highest : ZERO_FLOOR);
  // The floor first: the new store applies it when it opens.
  writeIdFloor(stateDir, floor);
  createStoreFile(file);
  const opened = openDatabase({ stateDir, busyTimeoutMs: 500 });
  opened.idFloor.settle(opened.db);
  opened.db.close();
  return { kind: "replaced", path: file, problem, oldFile, movedAside, forgotten, floor, floorWasDamaged };
}

function readForgotten(file: string): Forgotten {
  if (inspectStatePath(file) !== "file") return { readable: false, reason: "it held nothing readable" };
  const r = summariseFile(file);
  return r.ok ? { readable: true, summary: r.summary } : { readable: false, reason: r.reason };
}

/** `suffix`, or `suffix.2`, `suffix.3`… if an earlier replacement in the same second took it. */
function freeSuffix(file: string, suffix: string): string {
  if (!existsSync(file + suffix)) return suffix;
  for (let i = 2; ; i++) if (!existsSync(`${file}${suffix}.${i}`)) return `${suffix}.${i}`;
}
