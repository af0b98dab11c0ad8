// Before `npm pack`: remove dist/ so the package holds exactly what this build compiles.
// The everyday build is incremental and never deletes; a source file removed since the
// last build would otherwise leave its stale .js in the tarball.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

rmSync(join(dirname(fileURLToPath(import.meta.url)), "..", "dist"), { recursive: true, force: true });
