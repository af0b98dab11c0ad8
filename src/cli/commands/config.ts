/** `simgate config check FILE | show [FILE] | example`. */
import { readFileSync } from "node:fs";
import { packageFile } from "../../package-info.js";
import { stringify } from "yaml";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand } from "../io.js";
import { isSimgateError } from "../../errors.js";
import { loadConfig, readConfigFile, validateConfig } from "../../config/load.js";
import { redactConfig } from "../../config/redact.js";

const HELP = `usage: simgate config check FILE | show [FILE] | example

  check FILE    validate FILE (YAML or JSON): "FILE: ok", or every problem by its key path
                (exit 1); the environment is not read, so it checks the file alone
  show [FILE]   the effective config the daemon would run with: FILE, then the environment
                (SIMGATE_ONLINESIM_KEY, SIMGATE_STATE_DIR, SIMGATE_LOG_LEVEL), then the
                defaults; secrets are shown as [redacted]
  example       print the shipped example: every key with its default and why
                (simgate config example > /etc/simgate/simgate.yaml to start from it)
`;
/** Shipped beside the code in the checkout, the npm package and /opt/simgate alike. */
export const EXAMPLE_PATH = packageFile("config/simgate.example.yaml");

export const configCommand: CliCommand = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h" || sub === "help" || rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(HELP);
    return 0;
  }
  try {
    if (sub === "check" && rest.length === 1) {
      const file = rest[0] as string;
      validateConfig(readConfigFile(file), file);
      io.stdout.write(`${file}: ok\n`);
      return 0;
    }
    if (sub === "show" && rest.length <= 1) {
      const { config, warnings } = loadConfig(rest[0] !== undefined ? { file: rest[0] } : {});
      for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
      io.stdout.write(stringify(redactConfig(config)));
      return 0;
    }
    if (sub === "example" && rest.length === 0) {
      io.stdout.write(readFileSync(EXAMPLE_PATH, "utf8"));
      return 0;
    }
  } catch (err) {
    if (isSimgateError(err) && err.code >= 1000 && err.code < 1100) {
      io.stderr.write(`${err.plainMessage}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
  io.stderr.write(`simgate config: ${sub === undefined ? "missing a subcommand" : `unknown or incomplete: ${argv.join(" ")}`}\n${HELP}`);
  return EXIT_USAGE;
};
