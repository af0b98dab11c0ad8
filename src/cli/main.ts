import { pathToFileURL } from "node:url";
import { realpathSync } from "node:fs";
import { processIo, EXIT_USAGE, type CliCommand, type CliIo } from "./io.js";
import { VERSION } from "../package-info.js";
import { stderrLines as stderrLinesFor } from "../log/stderr.js";

export { processIo };
/** For bin/simgate.js: its last-resort error line carries a journal priority under systemd too. */
export { stderrLines } from "../log/stderr.js";

/**
 * Subcommands are loaded lazily so `simgate decode` does not pay for serialport, and a
 * broken optional part cannot stop the others from starting.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  run: {
    summary: "run the gateway daemon (modems, Onlinesim partner endpoint, pushes, admin API)",
    load: async () => (await import("./commands/run.js")).runCommand,
  },
  simulate: {
    summary: "run simulated GSM modems on pseudo-terminals",
    load: async () => (await import("./commands/simulate.js")).simulateCommand,
  },
  demo: {
    summary: "the daemon on 16 simulated modems, sold through a fake Onlinesim (npm run demo)",
    load: async () => (await import("./commands/demo.js")).demoCommand,
  },
  probe: {
    summary: "identify the modem and SIM on one serial port",
    load: async () => (await import("./commands/probe.js")).probeCommand,
  },
  scan: {
    summary: "probe every modem of a pool (or N simulated ones) and print the port map",
    load: async () => (await import("./commands/scan.js")).scanCommand,
  },
  store: {
    summary: "open or create the state database and show what it holds",
    load: async () => (await import("./commands/store.js")).storeCommand,
  },
  config: {
    summary: "check a config file, show the effective config, print the example",
    load: async () => (await import("./commands/config.js")).configCommand,
  },
  decode: {
    summary: "decode an SMS PDU or a +CUSD line",
    load: async () => (await import("./commands/decode.js")).decodeCommand,
  },
  status: {
    summary: "show the running daemon's port map (state, operator, number, signal, activation, last SMS)",
    load: async () => (await import("./commands/status.js")).statusCommand,
  },
  sms: {
    summary: "list the SMS the running daemon received (--port, --since)",
    load: async () => (await import("./commands/sms.js")).smsCommand,
  },
  at: {
    summary: "send one AT command through a port's queue in the running daemon (field debugging)",
    load: async () => (await import("./commands/at.js")).atCommand,
  },
  number: {
    summary: "set a SIM's own number in the running daemon (set), or check a number as simgate reads it (check)",
    load: async () => (await import("./commands/number.js")).numberCommand,
  },
  activations: {
    summary: "list the running daemon's open and recent activations; close one by hand (close ID --status N)",
    load: async () => (await import("./commands/activations.js")).activationsCommand,
  },
  earnings: {
    summary: "what the running daemon's pool earned per marketplace, service or SIM, each currency apart (--since, --by)",
    load: async () => (await import("./commands/earnings.js")).earningsCommand,
  },
  "fake-onlinesim": {
    summary: "play Onlinesim over HTTP (receive PUSH_SMS/v2, buy from a partner) for tests and demos",
    load: async () => (await import("./commands/fake-onlinesim.js")).fakeOnlinesimCommand,
  },
  "fake-market": {
    summary: "play a marketplace over HTTP for tests and demos: --protocol onlinesim|smshub [--dialect smshub|smsbower|grizzly]",
    load: async () => (await import("./commands/fake-market.js")).fakeMarketCommand,
  },
  selftest: {
    summary: "check a running daemon's marketplace endpoint as the marketplace's acceptance test does: --market onlinesim|smshub|smsbower|grizzly --url URL",
    load: async () => (await import("./commands/selftest.js")).selftestCommand,
  },
  install: {
    summary: "install the service, udev rules, user and config on this Debian/Ubuntu host (--dry-run shows the plan)",
    load: async () => (await import("./commands/install.js")).installCommand,
  },
  uninstall: {
    summary: "stop and remove what 'simgate install' put in place (--purge: config, state and user too)",
    load: async () => (await import("./commands/uninstall.js")).uninstallCommand,
  },
  version: {
    summary: "print simgate's version (also: simgate --version)",
    load: async () => versionCommand,
  },
};

/** `simgate version`, `simgate --version`: one line, what a bug report needs first. */
const versionCommand: CliCommand = async (_argv, io) => {
  io.stdout.write(`simgate ${VERSION}\n`);
  return 0;
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`);
  return `usage: simgate <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun 'simgate help <command>' (or 'simgate <command> --help') for a command's options.\n`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V") return versionCommand([], io);
  // `simgate help run` is `simgate run --help`; `simgate help` alone is the command list.
  if ((name === "help" || name === "--help" || name === "-h") && rest[0] !== undefined && COMMANDS[rest[0]]) {
    return (await COMMANDS[rest[0]]!.load())(["--help"], io);
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`simgate: unknown command '${name}'\n${usage()}`);
    return EXIT_USAGE;
  }
  const command = await entry.load();
  return command(rest, io);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  runCli(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      stderrLinesFor(process.stderr).write(`simgate: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
