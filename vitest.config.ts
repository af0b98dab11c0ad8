import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests that start bin/simgate.js run the compiled build: compile it first.
    globalSetup: ["test/setup/build-dist.ts"],
    // Serial I/O over pseudo-terminals and child processes: generous but bounded.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The machine has two cores; the pty and gammu tests spawn processes.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: "forks",
  },
});
