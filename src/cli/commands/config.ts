/** `simgate config check FILE | show [FILE] | example`. */
import { readFileSync } from "node:fs";
import { packageFile } from "../../package-info.js";
import { stringify } from "yaml";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand } from "../io.js";
import { isSimgateError } from "../../errors.js";
import { loadConfig, readConfigFile, validateConfig } from "../../config/load.js";
import { redactConfig } from "../../config/redact.js";

const USAGE = "usage: simgate config check FILE | show [FILE] | example\n";
/** Shipped beside the code in the checkout, the npm package and /opt/simgate alike. */
export const EXAMPLE_PATH = packageFile("config/simgate.example.yaml");

export const configCommand: CliCommand = async (argv, io) => {
  const [sub, ...rest] = argv;
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
  io.stderr.write(USAGE);
  return sub === "--help" || sub === "-h" ? 0 : EXIT_USAGE;
};
