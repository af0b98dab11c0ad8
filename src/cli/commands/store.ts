import { openStore, DEFAULT_STATE_DIR } from "../../store/index.js";
import { EXIT_FAILURE, parseCommandArgs, type CliCommand } from "../io.js";
import { keyValueBlock, oneLineError } from "../format.js";
import { storeBackupCommand } from "./store-backup.js";
import { storeInitCommand } from "./store-init.js";

const HELP = `usage: simgate store [--state-dir DIR] [--json]
       simgate store init [--force] [--state-dir DIR]
       simgate store backup FILE [--overwrite] [--state-dir DIR] [--admin HOST:PORT] [--config FILE] [--json]

Open (and, when needed, create or migrate) simgate's database in DIR/simgate.db and
print what it holds. Exit 1 with one line when it cannot be used: the directory is not
writable, the file is not a simgate store or is damaged, another simgate holds it, or a
newer simgate wrote it.

  init     create a new store; with --force, in place of a damaged, foreign or missing
           one (moved aside, never deleted). 'simgate store init --help' for details.
  backup   an online, consistent copy of the store in FILE, taken by the running daemon
           or, when none runs, by this command. 'simgate store backup --help'.

  --state-dir DIR   where simgate keeps its state (default ${DEFAULT_STATE_DIR})
  --json            one JSON object instead of a table
`;

const SUBCOMMANDS: Record<string, CliCommand> = { init: storeInitCommand, backup: storeBackupCommand };

export const storeCommand: CliCommand = async (argv, io) => {
  const sub = argv[0] !== undefined ? SUBCOMMANDS[argv[0]] : undefined;
  if (sub) return sub(argv.slice(1), io);
  const parsed = parseCommandArgs(
    "store",
    {
      args: argv,
      options: {
        "state-dir": { type: "string", default: DEFAULT_STATE_DIR },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    HELP,
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  let store;
  try {
    store = openStore({ stateDir: values["state-dir"] });
  } catch (err) {
    io.stderr.write(`simgate store: ${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
  try {
    const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
    const summary = {
      path: store.path,
      schemaVersion: store.schemaVersion,
      migrated: store.migrated,
      sims: count("SELECT count(*) AS n FROM sims"),
      openActivations: (await store.sales.load()).open.length,
      activations: count("SELECT count(*) AS n FROM activations"),
      sms: count("SELECT count(*) AS n FROM sms_parts"),
      outboxPending: store.outbox.pendingCount(),
    };
    io.stdout.write(
      values.json
        ? `${JSON.stringify(summary)}\n`
        : keyValueBlock([
            ["database", summary.path],
            ["schema", `${summary.schemaVersion}${summary.migrated.length > 0 ? ` (migrated now: ${summary.migrated.join(", ")})` : ""}`],
            ["SIMs seen", summary.sims],
            ["activations", `${summary.activations} (${summary.openActivations} open)`],
            ["SMS parts stored", summary.sms],
            ["outbox pending", summary.outboxPending],
          ]),
    );
    return 0;
  } finally {
    store.close();
  }
};
