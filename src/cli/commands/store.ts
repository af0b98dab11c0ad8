import { parseArgs } from "node:util";
import { openStore, DEFAULT_STATE_DIR } from "../../store/index.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand } from "../io.js";
import { keyValueBlock, oneLineError } from "../format.js";

const HELP = `usage: simgate store [--state-dir DIR] [--json]

Open (and, when needed, create or migrate) simgate's database in DIR/simgate.db and
print what it holds. Exit 1 with one line when it cannot be used: the directory is not
writable, the file is corrupt, another simgate holds it, or a newer simgate wrote it.

  --state-dir DIR   where simgate keeps its state (default ${DEFAULT_STATE_DIR})
  --json            one JSON object instead of a table
`;

export const storeCommand: CliCommand = async (argv, io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "state-dir": { type: "string", default: DEFAULT_STATE_DIR },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    io.stderr.write(`simgate store: ${oneLineError(err)}\n${HELP}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
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
      openActivations: store.engine.load().openActivations.length,
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
