// tsc emits only JavaScript; copy the non-TypeScript files the code loads at run time
// (the simulator's pseudo-terminal host, the status page's HTML/CSS/JS) next to the compiled
// modules in dist/.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const assets = ["src/sim/pty/pty-host.py", "src/http/admin/status-page"];
for (const asset of assets) {
  const target = join(root, "dist", asset);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(root, asset), target, { recursive: true });
}
