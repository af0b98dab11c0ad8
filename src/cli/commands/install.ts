/** `simgate install`: the service, udev rules, user and config skeleton on a modem host (docs/install.md). */
import { EXIT_FAILURE, EXIT_USAGE, parseCommandArgs, type CliCommand, type CliIo } from "../io.js";
import { oneLineError } from "../format.js";
import { validUserName } from "../../host/install/accounts.js";
import { appSourceRoot, DEFAULT_USER, TARGET } from "../../host/install/paths.js";
import { installPlan } from "../../host/install/plan.js";
import { runPlan } from "../../host/install/runner.js";
import { header, invocation, keyConfigured, makeContext, statusPageUrl, type InstallDeps } from "../../host/install/session.js";

const HELP = `usage: simgate install [--dry-run] [--prefix DIR] [--no-start] [--user NAME]

Install simgate as a systemd service on this Debian/Ubuntu host (docs/install.md):

  ${TARGET.app}/                         the compiled build (dist), bin, the shipped config,
                                        udev and systemd files, production node_modules only
                                        (no sources, no compiler); its size is printed
  ${TARGET.wrapper}                      exec node ${TARGET.app}/bin/simgate.js "$@" (ExecStart)
  ${TARGET.udevRules}    claims the modem pool's ttys (udev/README.md)
  ${TARGET.sysusers}      + systemd-sysusers: user simgate, in group dialout
  ${TARGET.modulesLoad}      usbserial and cdc_acm at boot (+ modprobe now; a warning
                                        only when that is not possible here)
  ${TARGET.unit}   the hardened service (systemd/README.md)
  ${TARGET.config}             config skeleton, root:simgate 0640, never overwritten
  ${TARGET.env}              SIMGATE_ONLINESIM_KEY=, root 0600, never overwritten

then reloads udev and systemd, enables simgate and starts it. Run it from a checkout
(after 'npm install', which builds dist/) or from 'npm install -g simgate'. Idempotent: a
second run changes nothing; after an upgrade it updates the copy and restarts the service.

  --dry-run      print the plan (would: …) and change nothing
  --prefix DIR   install into DIR as a fake root (no root needed): host commands
                 (systemctl, udevadm, systemd-sysusers, modprobe) are skipped
  --no-start     enable the service but do not start it
  --user NAME    the service account (default ${DEFAULT_USER}; another name gets a drop-in
                 setting User= and Group=)
`;

export function makeInstallCommand(deps: InstallDeps = {}): CliCommand {
  return async (argv, io) => {
    const parsed = parseCommandArgs("install", {
      args: argv,
      allowPositionals: false,
      options: {
        "dry-run": { type: "boolean", default: false },
        prefix: { type: "string" },
        "no-start": { type: "boolean", default: false },
        user: { type: "string", default: DEFAULT_USER },
        help: { type: "boolean", short: "h", default: false },
      },
    }, HELP, io);
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    if (!validUserName(values.user)) {
      io.stderr.write(`simgate install: --user ${values.user}: not a valid user name (lowercase letters, digits, _ and -)\n`);
      return EXIT_USAGE;
    }
    const ctx = makeContext({ dryRun: values["dry-run"], prefix: values.prefix }, deps);
    if (typeof ctx === "string") {
      io.stderr.write(`simgate install: ${ctx}\n`);
      return EXIT_USAGE;
    }
    let source: string;
    try {
      source = deps.source ?? appSourceRoot();
    } catch (err) {
      io.stderr.write(`simgate install: ${oneLineError(err)}\n`);
      return EXIT_FAILURE;
    }
    const start = !values["no-start"];
    const steps = installPlan({ source, user: values.user, start, invocation: invocation("install") }, ctx);
    io.stdout.write(header("install", ctx));
    const summary = await runPlan("install", steps, ctx, io);
    if (ctx.dryRun) {
      io.stdout.write(`dry run: ${summary.done} to do, ${summary.already} already done, ${summary.skipped} skipped; nothing was changed\n`);
      if (summary.stoppedAt) io.stdout.write(`the real install would stop at "${summary.stoppedAt.title}"\n`);
      return summary.ok ? 0 : EXIT_FAILURE;
    }
    if (!summary.ok) return EXIT_FAILURE;
    io.stdout.write(
      `\nsimgate is installed${ctx.prefix ? ` into ${ctx.root}` : ""}: ${summary.done} changed, ${summary.already} already in place${summary.skipped ? `, ${summary.skipped} skipped` : ""}${summary.warnings ? `, ${summary.warnings} with a warning (above)` : ""}.\n`,
    );
    nextSteps(io, ctx.root, values.user, start);
    return 0;
  };
}

function nextSteps(io: CliIo, root: string, user: string, started: boolean): void {
  const key = keyConfigured(root);
  const lines = [
    "",
    "Next steps:",
    `  1. The Onlinesim key${key ? " (set already)" : " (not set yet: the partner endpoint serves nothing until it is)"}:`,
    `       sudoedit ${TARGET.env}        SIMGATE_ONLINESIM_KEY=…`,
    "     or as a systemd credential (docs/install.md).",
    `  2. What to sell and where Onlinesim is (engine.services, onlinesim.push.url, onlinesim.v2.baseUrl):`,
    `       sudoedit ${TARGET.config}`,
    `       sudo simgate config check ${TARGET.config}`,
    `  3. ${started ? "sudo systemctl restart simgate" : "sudo systemctl start simgate"}`,
    "  4. Watch it:",
    "       journalctl -u simgate -f",
    "       sudo simgate status",
    `       ${statusPageUrl(root)}   (the status page; from elsewhere: ssh -L 8081:127.0.0.1:8081 <this host>)`,
  ];
  if (user !== DEFAULT_USER) lines.push(`  (the service runs as ${user}: ${TARGET.userDropin})`);
  io.stdout.write(`${lines.join("\n")}\n`);
}

export const installCommand: CliCommand = makeInstallCommand();
