/**
 * `simgate store backup FILE`: see src/store/backup.ts for how the copy is made. Here:
 * who makes it. The CLI first tries to open the store itself; when a running daemon holds
 * it (StoreLocked), the daemon makes the copy through the admin API
 * (POST /api/store/backup) and this command moves it from the state directory to FILE.
 */
import { existsSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { ErrorCode, isSimgateError } from "../../errors.js";
import { DEFAULT_STATE_DIR, openStore, type StoreSummary } from "../../store/index.js";
import { checkBackupDestination, collectStaged, verifyBackup } from "../../store/backup.js";
import { dbPath } from "../../store/paths.js";
import { AdminClient, AdminClientError, adminTarget, COMMON_HELP } from "../admin-client.js";
import { EXIT_FAILURE, EXIT_USAGE, parseCommandArgs, type CliCommand } from "../io.js";
import { oneLineError } from "../format.js";
import { HOST_PORT } from "../../config/host-port.js";

const HELP = `usage: simgate store backup FILE [--overwrite] [--state-dir DIR] [--admin HOST:PORT] [--config FILE] [--json]

Write an online, consistent copy of DIR/simgate.db to FILE (SQLite's backup API), check
that it reads back as a whole simgate store, and say what it holds. Safe while simgate
runs: the running daemon takes the copy (the CLI reaches it through the admin API) and
this command moves it from DIR/backup-staging/ to FILE — run it as a user who can read
DIR (sudo). With no daemon running it opens the store and copies it itself.

Restore: stop simgate, copy FILE to DIR/simgate.db, start simgate (docs/store.md). Ids
never go back after a restore: the id floor beside simgate.db remembers them.

  FILE              where the copy goes; an existing file is refused unless --overwrite
  --overwrite       replace FILE if it exists (atomically: the old FILE stays whole until the new one is complete)
  --state-dir DIR   where simgate keeps its state (default ${DEFAULT_STATE_DIR})
${COMMON_HELP}`;

interface BackupOutput {
  file: string;
  via: "daemon" | "cli";
  bytes: number;
  ms: number;
  summary: StoreSummary;
}

export const storeBackupCommand: CliCommand = async (argv, io) => {
  const args = parseCommandArgs(
    "store backup",
    {
      args: argv,
      allowPositionals: true,
      options: {
        overwrite: { type: "boolean", default: false },
        "state-dir": { type: "string", default: DEFAULT_STATE_DIR },
        admin: { type: "string" },
        config: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    HELP,
    io,
  );
  if (typeof args === "number") return args;
  const v = args.values;
  if (args.positionals.length !== 1) {
    io.stderr.write(`simgate store backup: give exactly one FILE to write the copy to\n${HELP}`);
    return EXIT_USAGE;
  }
  if (v.admin !== undefined && !HOST_PORT.test(v.admin)) {
    io.stderr.write(`simgate store backup: --admin must be HOST:PORT, got '${v.admin}'\n`);
    return EXIT_USAGE;
  }
  const destination = resolve(args.positionals[0]!);
  const stateDir = v["state-dir"];
  try {
    checkBackupDestination(destination, stateDir, v.overwrite);
    if (!existsSync(dbPath(stateDir))) throw new Error(`there is no store to back up: ${dbPath(stateDir)} does not exist`);
    const out = (await backupHere(stateDir, destination)) ?? (await backupByDaemon(stateDir, destination, v));
    io.stdout.write(v.json ? `${JSON.stringify(out)}\n` : describe(out, stateDir));
    return 0;
  } catch (err) {
    io.stderr.write(`simgate store backup: ${err instanceof AdminClientError ? err.message : oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
};

/** No daemon: open the store and copy it. undefined when a daemon (or another process) holds it. */
async function backupHere(stateDir: string, destination: string): Promise<BackupOutput | undefined> {
  let store;
  try {
    store = openStore({ stateDir, busyTimeoutMs: 300 });
  } catch (err) {
    if (isSimgateError(err, ErrorCode.StoreLocked)) return undefined;
    throw err;
  }
  try {
    const r = await store.backup(destination, { verify: true });
    return { file: r.file, via: "cli", bytes: r.bytes, ms: r.ms, summary: r.summary ?? verifyBackup(r.file) };
  } finally {
    store.close();
  }
}

interface DaemonBackup {
  staged: string;
  ms: number;
}

async function backupByDaemon(stateDir: string, destination: string, v: { admin?: string | undefined; config?: string | undefined }): Promise<BackupOutput> {
  const client = new AdminClient(adminTarget({ admin: v.admin, config: v.config, env: process.env, stateDir }));
  let staged: DaemonBackup;
  try {
    // `source`: the daemon refuses if it runs a different store than the one named here.
    staged = await client.post<DaemonBackup>("/api/store/backup", { source: realpathSync(dbPath(stateDir)) }, 10 * 60_000);
  } catch (err) {
    if (err instanceof AdminClientError && err.status === null) {
      throw new AdminClientError(`${dbPath(stateDir)} is held by another process and ${err.message}`, null);
    }
    throw err;
  }
  const moved = collectStaged(staged.staged, destination);
  return { file: destination, via: "daemon", bytes: moved.bytes, ms: staged.ms, summary: moved.summary };
}

function describe(o: BackupOutput, stateDir: string): string {
  const s = o.summary;
  return [
    `backup written: ${o.file} (${Math.max(1, Math.round(o.bytes / 1024))} KiB, taken by ${o.via === "daemon" ? "the running daemon" : "this command"} in ${o.ms} ms, verified)`,
    `it holds ${s.activations} activations (${s.openActivations.length} open), ${s.sms} SMS; activation ids up to ${s.highest.activations}, SMS ids up to ${s.highest.sms}`,
    `restore: stop simgate, copy it to ${dbPath(stateDir)}, start simgate (docs/store.md)`,
  ].join("\n") + "\n";
}
