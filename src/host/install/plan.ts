/**
 * `simgate install` and `simgate uninstall` as lists of steps (see steps.ts). Paths in
 * TARGET are on the target system; everything is read and written under ctx.root.
 */
import { existsSync, readFileSync, realpathSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { findGroup, findUser, inGroup } from "./accounts.js";
import { diffTrees, megabytes, sourceTree, syncTree, targetTree, type SourceTree } from "./app-tree.js";
import { commandLine, mustRun, why } from "./exec.js";
import { describeOs, ttyDriversLoaded } from "./host.js";
import { DEFAULT_USER, SERVICE, SOURCE, TARGET, isSimgateApp, under } from "./paths.js";
import { dirStep, done, fail, fileStep, lstatOr, removeStep, skip, todo, type Step, type StepContext } from "./steps.js";

/** Marks files the installer wrote, so it never replaces or removes someone else's. */
export const MARKER = "written by `simgate install`";

export interface InstallOptions {
  /** The app source: a checkout, or /opt/simgate itself on a re-run. */
  source: string;
  /** The service account (default simgate). */
  user: string;
  /** Start (or restart after an upgrade) the service at the end. */
  start: boolean;
  /** The command the user typed, for the root error ("sudo simgate install"). */
  invocation: string;
}

export interface UninstallOptions {
  user: string;
  purge: boolean;
  invocation: string;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function wrapperScript(nodePath: string): string {
  return [
    "#!/bin/sh",
    `# simgate: ${MARKER}; \`simgate uninstall\` removes it.`,
    "# exec, not a child: node must be simgate.service's main process (Type=notify, watchdog).",
    `exec ${shellQuote(nodePath)} ${TARGET.app}/${SOURCE.bin} "$@"`,
    "",
  ].join("\n");
}

/** The shipped sysusers.d file, for another account name when --user says so. */
export function sysusersFor(shipped: string, user: string): string {
  if (user === DEFAULT_USER) return shipped;
  return shipped.replace(/^u simgate /m, `u ${user} `).replace(/^m simgate /m, `m ${user} `);
}

export function userDropin(user: string): string {
  return `# ${MARKER} --user ${user}; \`simgate uninstall\` removes it.\n[Service]\nUser=${user}\nGroup=${user}\n`;
}

export function configSkeleton(example: string): string {
  return [
    `# ${TARGET.config}: ${MARKER} from config/simgate.example.yaml, once; it never`,
    "# overwrites it. The Onlinesim key does not belong here: /etc/simgate/simgate.env (or a",
    "# systemd credential, docs/install.md). After an edit:",
    `#   sudo simgate config check ${TARGET.config} && sudo systemctl restart simgate`,
    "",
    example,
  ].join("\n");
}

/** A /usr/bin/simgate we may replace or remove: our wrapper, or a symlink to a simgate.js. */
function wrapperNotOurs(target: string): string | undefined {
  const st = lstatOr(target);
  if (st === undefined) return undefined;
  if (st.isSymbolicLink()) return readlinkSync(target).endsWith(`/${SOURCE.bin}`) ? undefined : `${TARGET.wrapper} is a symlink to ${readlinkSync(target)}, not simgate's`;
  if (st.isFile() && readFileSync(target, "utf8").includes(MARKER)) return undefined;
  return `${TARGET.wrapper} exists and was not written by simgate install: move it away first`;
}

function root(options: { invocation: string }): Step {
  return {
    id: "root",
    title: "check privileges",
    preflight: true,
    check(ctx) {
      const uid = ctx.host.uid();
      if (uid === 0) return done("running as root");
      if (ctx.prefix) return done(`running as uid ${uid}: enough for --prefix`);
      if (ctx.dryRun) return done(`running as uid ${uid}: fine for a dry run, the real one needs sudo`);
      return fail(`must run as root: run with sudo (sudo ${options.invocation}); --dry-run shows the plan without it`);
    },
  };
}

const systemd: Step = {
  id: "systemd",
  title: "check for systemd",
  preflight: true,
  host: true,
  check(ctx) {
    const os = describeOs(ctx.host.osRelease());
    if (!ctx.host.systemdRunning()) {
      return fail(
        `systemd is not running here (no /run/systemd/system; ${os.name}): simgate installs as a systemd service on a Debian/Ubuntu host. ` +
          "In a container or chroot, --prefix DIR lays the files out without touching the system",
      );
    }
    return done(os.debianLike ? `systemd is running (${os.name})` : `systemd is running (${os.name}: not Debian/Ubuntu, untested)`);
  },
};

function nodeCheck(): Step {
  return {
    id: "node",
    title: "check node",
    preflight: true,
    check(ctx) {
      const node = ctx.host.nodePath();
      const major = Number(process.versions.node.split(".")[0]);
      if (major < 20) return fail(`node ${process.versions.node} is too old: simgate needs node 20 or newer`);
      // The service cannot see /home, /root (ProtectHome=yes) or the real /tmp (PrivateTmp=yes).
      const hidden = /^\/(home|root|tmp|run\/user)(\/|$)/.test(node);
      if (hidden && !ctx.prefix) {
        return fail(
          `node is ${node}, which simgate.service cannot see (ProtectHome=yes, PrivateTmp=yes): install node ≥ 20 system-wide ` +
            "(e.g. NodeSource's nodejs package, /usr/bin/node) and run the installer with that node",
        );
      }
      return done(`node ${process.versions.node} at ${node}${hidden ? " (warning: the service could not see it on a real install)" : ""}`);
    },
  };
}

function appStep(source: string): Step {
  let src: SourceTree | undefined;
  const load = () => (src ??= sourceTree(source));
  return {
    id: "app",
    title: `copy simgate to ${TARGET.app}/`,
    check(ctx) {
      const target = under(ctx.root, TARGET.app);
      if (existsSync(target) && realpathSync(target) === realpathSync(source)) return done(`running from ${TARGET.app}`);
      let s: SourceTree;
      try {
        s = load();
      } catch (err) {
        return fail((err as Error).message);
      }
      const st = lstatOr(target);
      const size = `${s.files} files, ${megabytes(s.bytes)}: the compiled build ${megabytes(s.appBytes)}, ${s.packages} production packages ${megabytes(s.packageBytes)}`;
      if (st === undefined) return todo(`copy simgate from ${source} to ${TARGET.app}/ (${size})`);
      if (!st.isDirectory()) return fail(`${TARGET.app} exists and is not a directory`);
      const existing = targetTree(target);
      if (existing.size > 0 && !isSimgateApp(target)) return fail(`${TARGET.app} exists and is not simgate: move it away first`);
      const diff = diffTrees(s.tree, existing);
      if (diff.write.length === 0 && diff.remove.length === 0 && (st.mode & 0o7777) === 0o755) return done();
      return todo(`update ${TARGET.app}/ from ${source} (${diff.write.length} new or changed, ${diff.remove.length} removed; now ${size})`);
    },
    apply(ctx) {
      const target = under(ctx.root, TARGET.app);
      const s = load();
      syncTree(source, s.tree, target, diffTrees(s.tree, targetTree(target)));
    },
  };
}

function read(source: string, rel: string): () => string {
  let text: string | undefined;
  return () => (text ??= readFileSync(join(source, rel), "utf8"));
}

function serviceUserStep(user: string): Step {
  return {
    id: "user",
    title: `create user ${user} (groups dialout)`,
    host: true,
    check(ctx) {
      const account = findUser(ctx.root, user);
      if (account === undefined) return todo();
      if (!inGroup(ctx.root, account, "dialout")) return todo(`add user ${user} to group dialout`);
      return done();
    },
    async apply(ctx) {
      const conf = under(ctx.root, TARGET.sysusers);
      const r = await ctx.exec("systemd-sysusers", [conf]);
      if (r.missing) {
        // No systemd-sysusers (an old or minimal system): the same account by hand.
        if (findUser(ctx.root, user) === undefined) {
          await mustRun(ctx.exec, "useradd", ["--system", "--user-group", "--home-dir", TARGET.stateDir, "--no-create-home", "--shell", "/usr/sbin/nologin", "--comment", "simgate modem pool daemon", user]);
        }
        if (findGroup(ctx.root, "dialout") === undefined) await mustRun(ctx.exec, "groupadd", ["--system", "dialout"]);
        await mustRun(ctx.exec, "usermod", ["--append", "--groups", "dialout", user]);
      } else if (r.code !== 0) {
        await mustRun(ctx.exec, "systemd-sysusers", [conf]); // throws with its complaint
      }
      const account = findUser(ctx.root, user);
      if (account === undefined || !inGroup(ctx.root, account, "dialout")) throw new Error(`user ${user} is still missing or not in dialout after systemd-sysusers`);
    },
  };
}

/**
 * Loading the drivers now only saves a reboot or a replug: the modules-load.d file written
 * just before loads them at every boot. So a host without modprobe (a minimal container)
 * or without the modules (a kernel built without them, a chroot) gets a warning that says
 * so, never a failed install.
 */
const modprobe: Step = {
  id: "modprobe",
  title: "load the tty drivers now: modprobe -a usbserial cdc_acm",
  host: true,
  check(ctx) {
    return ttyDriversLoaded(ctx.host.procDevices()) ? done() : todo();
  },
  async apply(ctx) {
    const r = await ctx.exec("modprobe", ["-a", "usbserial", "cdc_acm"]);
    const atBoot = `${TARGET.modulesLoad} (written above) loads usbserial and cdc_acm at the next boot, and plugging a modem in loads them too`;
    if (r.missing) return { warning: `modprobe is not installed, so the tty drivers are not loaded now; ${atBoot}` };
    if (r.code !== 0) return { warning: `modprobe -a usbserial cdc_acm exited ${r.code}${why(r) ? ` (${why(r)})` : ""}; ${atBoot}` };
    return undefined;
  },
};

function udevReload(after: string): Step {
  const trigger = ["trigger", "--action=change", "--subsystem-match=usb", "--subsystem-match=tty"];
  return {
    id: "udev-reload",
    title: `reload udev: udevadm control --reload && ${commandLine("udevadm", trigger)}`,
    host: true,
    check(ctx) {
      return ctx.changed.has(after) ? todo() : done("rules unchanged");
    },
    async apply(ctx) {
      await mustRun(ctx.exec, "udevadm", ["control", "--reload"]);
      await mustRun(ctx.exec, "udevadm", trigger);
    },
  };
}

function daemonReload(after: readonly string[]): Step {
  return {
    id: "daemon-reload",
    title: "systemctl daemon-reload",
    host: true,
    async check(ctx) {
      if (after.some((id) => ctx.changed.has(id))) return todo();
      const r = await ctx.exec("systemctl", ["show", SERVICE, "--property=NeedDaemonReload", "--value"]);
      return r.code === 0 && r.stdout.trim() === "yes" ? todo() : done();
    },
    async apply(ctx) {
      await mustRun(ctx.exec, "systemctl", ["daemon-reload"]);
    },
  };
}

async function unitState(ctx: StepContext): Promise<{ enabled: string; active: string }> {
  const [e, a] = await Promise.all([ctx.exec("systemctl", ["is-enabled", SERVICE]), ctx.exec("systemctl", ["is-active", SERVICE])]);
  return { enabled: e.stdout.trim() || "unknown", active: a.stdout.trim() || "unknown" };
}

const enable: Step = {
  id: "enable",
  title: "systemctl enable simgate (start at boot)",
  host: true,
  async check(ctx) {
    return (await unitState(ctx)).enabled === "enabled" ? done() : todo();
  },
  async apply(ctx) {
    await mustRun(ctx.exec, "systemctl", ["enable", SERVICE]);
  },
};

/** Start it, or restart it when what it runs changed (an upgrade). */
function start(restartAfter: readonly string[]): Step {
  let action: "start" | "restart" | "reset-and-start" = "start";
  return {
    id: "start",
    title: "systemctl start simgate",
    host: true,
    async check(ctx) {
      const { active } = await unitState(ctx);
      const changed = restartAfter.filter((id) => ctx.changed.has(id));
      if (active === "active" || active === "activating" || active === "reloading") {
        if (changed.length === 0) return done("running");
        action = "restart";
        return todo(`systemctl restart simgate (changed: ${changed.join(", ")})`);
      }
      action = active === "failed" ? "reset-and-start" : "start";
      return todo(active === "failed" ? "systemctl reset-failed simgate && systemctl start simgate (it had failed)" : undefined);
    },
    async apply(ctx) {
      // systemctl start waits for READY=1 (TimeoutStartSec=90s in the unit).
      const hint = (err: unknown) => new Error(`${(err as Error).message} (see: journalctl -u simgate -n 50)`);
      try {
        if (action === "reset-and-start") await mustRun(ctx.exec, "systemctl", ["reset-failed", SERVICE]);
        await mustRun(ctx.exec, "systemctl", [action === "restart" ? "restart" : "start", SERVICE], { timeoutMs: 120_000 });
      } catch (err) {
        throw hint(err);
      }
    },
  };
}

export function installPlan(o: InstallOptions, ctx: Pick<StepContext, "root">): Step[] {
  const { source, user } = o;
  const steps: Step[] = [
    root(o),
    systemd,
    nodeCheck(),
    appStep(source),
    {
      ...fileStep({ id: "wrapper", path: TARGET.wrapper, content: (c) => wrapperScript(c.host.nodePath()), mode: 0o755, foreign: (target) => wrapperNotOurs(target) }),
      title: `write ${TARGET.wrapper} (0755 root:root: exec node ${TARGET.app}/${SOURCE.bin})`,
    },
  ];
  steps.push(
    fileStep({ id: "udev-rules", path: TARGET.udevRules, content: read(source, SOURCE.udevRules), mode: 0o644, from: SOURCE.udevRules }),
    fileStep({ id: "sysusers", path: TARGET.sysusers, content: () => sysusersFor(read(source, SOURCE.sysusers)(), user), mode: 0o644, from: SOURCE.sysusers }),
    serviceUserStep(user),
    fileStep({ id: "modules-load", path: TARGET.modulesLoad, content: read(source, SOURCE.modulesLoad), mode: 0o644, from: SOURCE.modulesLoad }),
    modprobe,
    fileStep({ id: "unit", path: TARGET.unit, content: read(source, SOURCE.unit), mode: 0o644, from: SOURCE.unit }),
  );
  const dropinPresent = existsSync(under(ctx.root, TARGET.userDropin));
  if (user !== DEFAULT_USER) {
    steps.push(fileStep({ id: "user-dropin", path: TARGET.userDropin, content: () => userDropin(user), mode: 0o644 }));
  } else if (dropinPresent) {
    steps.push(removeStep({ id: "user-dropin", path: TARGET.userDropin, detail: `back to User=${DEFAULT_USER}`, pruneParent: true, notOurs: dropinNotOurs }));
  }
  steps.push(
    dirStep("config-dir", TARGET.configDir, 0o755),
    fileStep({ id: "config", path: TARGET.config, content: () => configSkeleton(read(source, SOURCE.config)()), mode: 0o640, group: user, from: SOURCE.config, keep: true }),
    fileStep({ id: "env", path: TARGET.env, content: read(source, SOURCE.env), mode: 0o600, from: SOURCE.env, keep: true }),
    udevReload("udev-rules"),
    daemonReload(["unit", "user-dropin"]),
    enable,
  );
  if (o.start) steps.push(start(["app", "wrapper", "unit", "user-dropin", "user"]));
  return steps;
}

function dropinNotOurs(target: string): string | undefined {
  return readFileSync(target, "utf8").includes(MARKER) ? undefined : "not written by simgate install";
}

/** The account an earlier `install --user NAME` set up, from its drop-in; else simgate. */
export function installedUser(root: string): string {
  try {
    return /^User=(\S+)$/m.exec(readFileSync(under(root, TARGET.userDropin), "utf8"))?.[1] ?? DEFAULT_USER;
  } catch {
    return DEFAULT_USER;
  }
}

const stopDisable: Step = {
  id: "stop",
  title: "systemctl disable --now simgate (stop it, no start at boot)",
  host: true,
  async check(ctx) {
    const { enabled, active } = await unitState(ctx);
    const running = active === "active" || active === "activating" || active === "reloading" || active === "deactivating";
    if (!running && !enabled.startsWith("enabled")) return done();
    return todo();
  },
  async apply(ctx) {
    await mustRun(ctx.exec, "systemctl", ["disable", "--now", SERVICE], { timeoutMs: 60_000 });
  },
};

export function uninstallPlan(o: UninstallOptions): Step[] {
  const { user } = o;
  const steps: Step[] = [
    root(o),
    systemd,
    stopDisable,
    removeStep({ id: "unit", path: TARGET.unit }),
    removeStep({ id: "user-dropin", path: TARGET.userDropin, pruneParent: true, notOurs: dropinNotOurs }),
  ];
  if (o.purge) steps.push(removeStep({ id: "dropins", path: TARGET.dropinDir, recursive: true, detail: "every drop-in, e.g. from systemctl edit" }));
  steps.push(
    daemonReload(["unit", "user-dropin", "dropins"]),
    removeStep({ id: "udev-rules", path: TARGET.udevRules }),
    udevReload("udev-rules"),
    removeStep({ id: "modules-load", path: TARGET.modulesLoad }),
    removeStep({ id: "wrapper", path: TARGET.wrapper, notOurs: (t) => (wrapperNotOurs(t) === undefined ? undefined : "not written by simgate install") }),
    removeStep({ id: "sysusers", path: TARGET.sysusers }),
    removeStep({ id: "app", path: TARGET.app, recursive: true, notOurs: (t) => (isSimgateApp(t) ? undefined : "not a simgate app directory") }),
  );
  if (o.purge) {
    steps.push(
      removeStep({ id: "config", path: TARGET.configDir, recursive: true, detail: "the config and the Onlinesim key" }),
      removeStep({ id: "state", path: TARGET.stateDir, recursive: true, detail: "simgate.db: activations, SMS, earnings" }),
      {
        id: "userdel",
        title: `remove user ${user}`,
        host: true,
        check(ctx) {
          const account = findUser(ctx.root, user);
          if (account === undefined) return done();
          // Only the account install made (or one like it): never a person's login.
          if (account.home !== TARGET.stateDir) return skip(`its home is ${account.home}, not ${TARGET.stateDir}: not simgate's service account`);
          return todo();
        },
        async apply(ctx) {
          await mustRun(ctx.exec, "userdel", [user]);
        },
      },
      {
        id: "groupdel",
        title: `remove group ${user}`,
        host: true,
        check(ctx) {
          const group = findGroup(ctx.root, user);
          if (group === undefined) return done();
          if (findUser(ctx.root, user) !== undefined) return skip(`user ${user} still exists`);
          if (group.members.length > 0) return skip(`it still has members: ${group.members.join(", ")}`);
          return todo();
        },
        async apply(ctx) {
          await mustRun(ctx.exec, "groupdel", [user]);
        },
      },
    );
  }
  return steps;
}
