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
