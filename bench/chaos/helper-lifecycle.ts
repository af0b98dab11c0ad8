/**
 * The life of a chaos helper process (sim-host.ts, market-host.ts): announce readiness as
 * one JSON line, then live until the parent goes away (stdin closes: the parent died or
 * ended it) or asks it to stop (SIGTERM, SIGINT), run `close` once, and exit.
 */
import type { Server } from "node:http";

export function serveUntilParentGone(name: string, ready: Record<string, unknown>, server: Server, close: () => Promise<void>): void {
  let closing = false;
  const stop = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    server.close();
    server.closeAllConnections();
    try {
      await close();
    } catch (err) {
      process.stderr.write(`${name}: while closing: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.exit(0);
  };
  process.stdin.on("end", () => void stop());
  process.stdin.on("error", () => void stop());
  process.stdin.resume();
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  process.stdout.write(`${JSON.stringify({ event: "ready", ...ready })}\n`);
}

/** A helper's main(): a failure to start is one line on stderr and exit code 1. */
export function runHelper(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${name}: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
