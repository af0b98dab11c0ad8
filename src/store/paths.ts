/**
 * Where the store's files live under the state directory, and how a refusal names the
 * command that fixes it. Leaf module: everything else in src/store may import it.
 */
import { join } from "node:path";

export const DEFAULT_STATE_DIR = "/var/lib/simgate";
export const DB_FILE_NAME = "simgate.db";
/** SQLite's companions of simgate.db: they belong to it and move with it, never stay behind. */
export const DB_COMPANION_SUFFIXES = ["-wal", "-shm", "-journal"] as const;

export const dbPath = (stateDir: string): string => join(stateDir, DB_FILE_NAME);

/** `simgate store <sub>` as the operator must type it for this state directory. */
export function storeCommandLine(sub: string, stateDir: string): string {
  return `simgate store ${sub}${stateDir === DEFAULT_STATE_DIR ? "" : ` --state-dir ${stateDir}`}`;
}

/** What to do about a state file that cannot be used as it is: the tail of every such refusal. */
export function replaceRemedy(stateDir: string): string {
  return `restore ${DB_FILE_NAME} from a backup (docs/store.md), or run '${storeCommandLine("init --force", stateDir)}' to move it aside and start an empty store (ids continue above the last ones issued)`;
}
