#!/usr/bin/env node
// Entry point for the `simgate` binary. It always runs the compiled build in dist/: what
// is installed, packed or tested is what runs. (`npm run build` makes dist/; `npm install`
// in a checkout builds it through the `prepare` script; `npm run simgate` runs the
// TypeScript sources directly, for development only.)
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "dist", "src", "cli", "main.js");
if (!existsSync(entry)) {
  // Under systemd this line must reach `journalctl -p err` (<3>); dist/ is not there to say how.
  const journal = process.env.SIMGATE_LOG_FORMAT === "journal" || /^\d+:\d+$/.test(process.env.JOURNAL_STREAM ?? "");
  process.stderr.write(`${journal ? "<3>" : ""}simgate: not built (${entry} is missing): run \`npm run build\` in ${root}\n`);
  process.exit(1);
}
const cli = await import(pathToFileURL(entry).href);

cli.runCli(process.argv.slice(2), cli.processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    cli.stderrLines(process.stderr).write(`simgate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
