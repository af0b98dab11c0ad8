#!/usr/bin/env node
// Entry point for the `simgate` binary. In a source checkout it runs the TypeScript
// sources through tsx (no build step, never a stale dist/); an installed package
// without src/ runs the compiled dist/.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src", "cli", "main.ts");
const cli = existsSync(source)
  ? await (await import("tsx/esm/api")).tsImport(pathToFileURL(source).href, import.meta.url)
  : await import(pathToFileURL(join(root, "dist", "src", "cli", "main.js")).href);

cli.runCli(process.argv.slice(2), cli.processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`simgate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
