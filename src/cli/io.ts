import { parseArgs, type ParseArgsConfig } from "node:util";
import { oneLineError } from "./format.js";
/** What a CLI command may touch: injected so commands can be run in-process by tests. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Resolves when the user asks the command to stop (SIGINT/SIGTERM), for long-running commands. */
  untilStopped(): Promise<void>;
}

/** A subcommand: gets the arguments after its name, returns the process exit code. */
export type CliCommand = (argv: string[], io: CliIo) => Promise<number>;

/** Exit code for usage errors and malformed input (matches `simgate decode` contract). */
export const EXIT_USAGE = 2;
/** Exit code for runtime failures (port cannot be opened, modem does not answer). */
export const EXIT_FAILURE = 1;

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    untilStopped: () =>
      new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      }),
  };
}

/**
 * parseArgs with the CLI's conventions, for commands that declare a `help` option: `-h` /
 * `--help` prints `help` and exits 0; a flag parseArgs refuses prints the reason and `help`
 * and exits 2. Returns what parseArgs returned, or the exit code.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(name: string, config: T, help: string, io: CliIo): ParsedResults<T> | number {
  let parsed: ParsedResults<T>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    io.stderr.write(`simgate ${name}: ${oneLineError(err)}\n${help}`);
    return EXIT_USAGE;
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(help);
    return 0;
  }
  return parsed;
}

type ParsedResults<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;
