import { DEFAULT_STATE_DIR } from "../../store/index.js";
import { initStore, type Forgotten, type InitOutcome } from "../../store/init.js";
import { EXIT_FAILURE, parseCommandArgs, type CliCommand } from "../io.js";
import { oneLineError } from "../format.js";

const HELP = `usage: simgate store init [--force] [--state-dir DIR]

Create a new, empty store in DIR/simgate.db.

Without --force it only creates a store where there is none; it leaves a healthy store
alone and refuses (exit 1, one line) when simgate.db is damaged, not a simgate store, or
missing while the id floor shows a store was there.

With --force it replaces whatever is there: simgate.db and its -wal/-shm files are renamed
to simgate.db.replaced-<UTC time> (never deleted) and a new store is created. It prints
what the old file held that the new store forgets — open activations (finish them on
Onlinesim's side by hand) and undelivered SMS — and the id floor: activation and SMS ids
continue above the highest ever issued, so Onlinesim never sees an id twice. It refuses
while a simgate daemon holds the store: stop it first.

  --force           replace a damaged, foreign, missing or healthy store
  --state-dir DIR   where simgate keeps its state (default ${DEFAULT_STATE_DIR})
`;

export const storeInitCommand: CliCommand = async (argv, io) => {
  const parsed = parseCommandArgs(
    "store init",
    {
      args: argv,
      options: {
        force: { type: "boolean", default: false },
        "state-dir": { type: "string", default: DEFAULT_STATE_DIR },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    HELP,
    io,
  );
  if (typeof parsed === "number") return parsed;
  let outcome: InitOutcome;
  try {
    outcome = initStore({ stateDir: parsed.values["state-dir"], force: parsed.values.force });
  } catch (err) {
    io.stderr.write(`simgate store init: ${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
  io.stdout.write(report(outcome));
  return 0;
};

function report(o: InitOutcome): string {
  if (o.kind === "created") return `created a new store: ${o.path}\n`;
  if (o.kind === "exists") return `${o.path} is a healthy simgate store: nothing done (--force replaces it)\n`;
  const others = o.movedAside.filter((p) => p !== o.oldFile);
  const lines = [
    o.oldFile !== undefined
      ? `moved the old store aside (${o.problem}): ${o.oldFile}${others.length > 0 ? ` (with ${others.join(", ")})` : ""}`
      : others.length > 0
        ? `moved aside (${o.problem}): ${others.join(", ")}`
        : `there was nothing to move aside (${o.problem})`,
    forgottenLine(o.forgotten),
    `new store: ${o.path}; activation ids continue above ${o.floor.activations}, SMS ids above ${o.floor.sms}` +
      (o.floorWasDamaged ? " (the id-floor file was damaged and moved aside too: the floor is the old file's own highest ids)" : ""),
  ];
  return `${lines.join("\n")}\n`;
}

function forgottenLine(f: Forgotten): string {
  if (!f.readable) return `forgotten: whatever the old file held (it could not be read: ${f.reason})`;
  const s = f.summary;
  const open = s.openActivations;
  const ids = open.length === 0 ? "" : ` (ids ${open.slice(0, 20).join(", ")}${open.length > 20 ? ", …" : ""}: finish them on Onlinesim's side by hand)`;
  return `forgotten: ${open.length} open activation${open.length === 1 ? "" : "s"}${ids}, ${s.undeliveredPushSms + s.undeliveredV2Sms} undelivered SMS (kept in the moved file)`;
}
