/** `simgate uninstall`: the reverse of `simgate install` (docs/install.md). */
import { EXIT_FAILURE, EXIT_USAGE, parseCommandArgs, type CliCommand } from "../io.js";
import { validUserName } from "../../host/install/accounts.js";
import { TARGET } from "../../host/install/paths.js";
import { installedUser, uninstallPlan } from "../../host/install/plan.js";
import { runPlan } from "../../host/install/runner.js";
import { header, invocation, makeContext, type InstallDeps } from "../../host/install/session.js";

const HELP = `usage: simgate uninstall [--dry-run] [--purge] [--prefix DIR] [--user NAME]

Stop and disable simgate.service and remove what 'simgate install' put in place: the unit
(and the installer's own drop-in), the udev rules, ${TARGET.wrapper}, ${TARGET.app}/, the
modules-load and sysusers files; then reload systemd and udev. Files the installer did not
write are left alone.

Kept unless --purge: ${TARGET.configDir}/ (config and key), ${TARGET.stateDir}/ (simgate.db),
the service account and other drop-ins in ${TARGET.dropinDir}/.

  --dry-run      print the plan (would: …) and change nothing
  --purge        also remove ${TARGET.configDir}/, ${TARGET.stateDir}/, every drop-in and the user
  --prefix DIR   uninstall from DIR, a fake root made by 'simgate install --prefix DIR'
  --user NAME    the service account to remove with --purge (default: the installed one)
`;

export function makeUninstallCommand(deps: InstallDeps = {}): CliCommand {
  return async (argv, io) => {
    const parsed = parseCommandArgs("uninstall", {
      args: argv,
      allowPositionals: false,
      options: {
        "dry-run": { type: "boolean", default: false },
        purge: { type: "boolean", default: false },
        prefix: { type: "string" },
        user: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }, HELP, io);
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    if (values.user !== undefined && !validUserName(values.user)) {
      io.stderr.write(`simgate uninstall: --user ${values.user}: not a valid user name\n`);
      return EXIT_USAGE;
    }
    const ctx = makeContext({ dryRun: values["dry-run"], prefix: values.prefix }, deps);
    if (typeof ctx === "string") {
      io.stderr.write(`simgate uninstall: ${ctx}\n`);
      return EXIT_USAGE;
    }
    const user = values.user ?? installedUser(ctx.root);
    const steps = uninstallPlan({ user, purge: values.purge, invocation: invocation("uninstall") });
    io.stdout.write(header("uninstall", ctx));
    const summary = await runPlan("uninstall", steps, ctx, io);
    if (ctx.dryRun) {
      io.stdout.write(`dry run: ${summary.done} to do, ${summary.already} already done, ${summary.skipped} skipped; nothing was changed\n`);
      if (summary.stoppedAt) io.stdout.write(`the real uninstall would stop at "${summary.stoppedAt.title}"\n`);
      return summary.ok ? 0 : EXIT_FAILURE;
    }
    if (!summary.ok) return EXIT_FAILURE;
    io.stdout.write(`\nsimgate is uninstalled${ctx.prefix ? ` from ${ctx.root}` : ""}: ${summary.done} removed or stopped, ${summary.already} already gone.\n`);
    if (!values.purge) {
      io.stdout.write(
        `Kept: ${TARGET.configDir}/ (config and key), ${TARGET.stateDir}/ (simgate.db), user ${user}.\n` +
          `Remove them too with --purge (${TARGET.wrapper} is gone now; from a checkout: sudo node bin/simgate.js uninstall --purge).\n`,
      );
    }
    return 0;
  };
}

export const uninstallCommand: CliCommand = makeUninstallCommand();
