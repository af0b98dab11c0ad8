/** `simgate run`: the daemon (see src/daemon/daemon.ts for what it wires together). */
import { configSecrets } from "../../config/redact.js";
import { loadConfig } from "../../config/load.js";
import { startDaemon, type Daemon } from "../../daemon/daemon.js";
import type { SimulateOptions } from "../../daemon/modem-source.js";
import { createLogger, type Logger } from "../../log/logger.js";
import { PRIORITY, stderrLines } from "../../log/stderr.js";
import { systemdNotifier } from "../../host/sd-notify.js";
import { keepStatusCurrent, serviceStatusText } from "../../host/service-status.js";
import { ensureStateDir } from "../../host/state-dir.js";
import { VERSION } from "../../package-info.js";
import type { ScenarioName } from "../../sim/scenarios.js";
import { EXIT_FAILURE, EXIT_USAGE, parseCommandArgs, type CliCommand, type CliIo } from "../io.js";
import { oneLineError } from "../format.js";
import { refusalExitCode, refusalLine } from "../refusal.js";
import { HOST_PORT } from "../../config/host-port.js";

const HELP = `usage: simgate run [--config FILE] [--state-dir DIR] [--listen HOST:PORT] [--admin HOST:PORT]
                   [--simulate N [--seed S] [--dialect D] [--latency MS] [--scenario demo]]
                   [--simulate-profile FILE [--simulate N]] [--log-level L]

Run the gateway: find the modems, keep the live port map, answer Onlinesim's v1 partner
API, push SMS and live numbers to Onlinesim, serve the admin API. Logs one line per event
on stdout: with a journald priority prefix under systemd, human-readable in a terminal,
JSON otherwise (SIMGATE_LOG_FORMAT=journal|pretty|json overrides); the first line names
the version. Under the journal, what goes to stderr (why it did not start) carries a
priority too, so 'journalctl -p err' shows it. Stops cleanly on SIGTERM or SIGINT. SIGHUP
re-reads the partner endpoint's TLS certificate and key (http.tls; a bad new pair keeps
the old).

The Onlinesim key comes from the environment (SIMGATE_ONLINESIM_KEY) or the config file,
never from the command line.

  --config FILE        YAML or JSON config ('simgate config example' prints every key)
  --state-dir DIR      where simgate.db lives (default /var/lib/simgate)
  --listen HOST:PORT   the partner endpoint Onlinesim calls (default 127.0.0.1:8080)
  --admin HOST:PORT    the admin API, status page and metrics (default 127.0.0.1:8081)
  --simulate N         run on N simulated modems instead of the host's serial ports
  --seed S             the simulated pool's seed: same seed, same SIMs and numbers (default 1)
  --dialect D          simulated modem families: generic|simcom|quectel|huawei|wavecom|mixed (default mixed)
  --latency MS         delay every simulated modem reply by MS milliseconds
  --scenario demo      a simulated rack with variety: empty slots, a PIN-locked SIM (its PIN
                       needed in modem.pins), a roaming SIM, numbers only known by USSD
  --simulate-profile FILE  run on N (default 1) replayed copies of a captured device
                       (a response map per command, test/corpus/devices/*.json)
  --log-level L        trace|debug|info|warn|error|fatal (default info)
`;

/** A second signal, or a shutdown that hangs past this, ends the process anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;

export const runCommand: CliCommand = async (argv, processIo) => {
  // Under systemd every stderr line carries a journal priority (err unless said otherwise).
  const stderr = stderrLines(processIo.stderr, process.env);
  const io: CliIo = { ...processIo, stderr };
  const parsed = parseCommandArgs(
    "run",
    {
      args: argv,
      allowPositionals: false,
      options: {
        config: { type: "string" },
        "state-dir": { type: "string" },
        listen: { type: "string" },
        admin: { type: "string" },
        simulate: { type: "string" },
        seed: { type: "string", default: "1" },
        dialect: { type: "string", default: "mixed" },
        latency: { type: "string" },
        scenario: { type: "string" },
        "simulate-profile": { type: "string" },
        "log-level": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    HELP,
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  let simulate: SimulateOptions | undefined;
  if (values.simulate !== undefined) {
    // The simulator is loaded only to simulate: a daemon on real modems does not carry it.
    const [{ isPoolDialect }, { isScenario, SCENARIOS }] = await Promise.all([import("../../sim/profile.js"), import("../../sim/scenarios.js")]);
    const count = Number(values.simulate);
    const latency = values.latency === undefined ? 0 : Number(values.latency);
    if (!Number.isInteger(count) || count < 1 || count > 512) return usage(io, `--simulate takes a whole number from 1 to 512, got '${values.simulate}'`);
    if (!isPoolDialect(values.dialect)) return usage(io, `--dialect must be generic, simcom, quectel, huawei, wavecom or mixed, got '${values.dialect}'`);
    if (!Number.isInteger(latency) || latency < 0 || latency > 10_000) return usage(io, `--latency takes milliseconds from 0 to 10000, got '${values.latency}'`);
    if (values.scenario !== undefined && !isScenario(values.scenario)) return usage(io, `--scenario must be one of ${SCENARIOS.join(", ")}, got '${values.scenario}'`);
    simulate = { count, seed: values.seed, dialect: values.dialect, latencyMs: latency, ...(values.scenario !== undefined ? { scenario: values.scenario as ScenarioName } : {}) };
  }
  if (values["simulate-profile"] !== undefined) {
    const count = values.simulate === undefined ? 1 : Number(values.simulate);
    if (!Number.isInteger(count) || count < 1 || count > 512) return usage(io, `--simulate takes a whole number from 1 to 512, got '${values.simulate}'`);
    simulate = { count, seed: values.seed, dialect: "generic", profileFile: values["simulate-profile"] };
  }
  for (const flag of ["listen", "admin"] as const) {
    const v = values[flag];
    if (v !== undefined && !HOST_PORT.test(v)) return usage(io, `--${flag} must be HOST:PORT, got '${v}'`);
  }

  // From here on SIGHUP (`systemctl reload simgate`) never ends the process (node's default).
  const hup = sighupReloader();
  let daemon: Daemon;
  let logger: Logger;
  try {
    const overrides = {
      ...(values["state-dir"] !== undefined ? { stateDir: values["state-dir"] } : {}),
      ...(values.listen !== undefined ? { listen: values.listen } : {}),
      ...(values["log-level"] !== undefined ? { logLevel: values["log-level"] } : {}),
    };
    const { config, warnings } = loadConfig({ ...(values.config !== undefined ? { file: values.config } : {}), overrides });
    // Before the store's own recursive mkdir, which never returns on /proc.
    ensureStateDir(config.stateDir);
    const banner = { msg: `simgate ${VERSION} starting`, fields: { event: "starting", version: VERSION, node: process.version, pid: process.pid } };
    logger = createLogger({ level: config.logLevel, secrets: configSecrets(config), banner });
    for (const w of warnings) logger.warn({ event: "config-warning" }, w);
    daemon = await startDaemon({ config, logger, ...(simulate ? { simulate } : {}), ...(values.admin !== undefined ? { adminListen: values.admin } : {}) });
    stderr.line(PRIORITY.info, `simgate: partner endpoint ${daemon.partner.url}, admin ${daemon.admin.url}${simulate ? `, ${simulate.count} simulated modems` : ""}`);
    // One line per marketplace, with the URL it posts to (its path on the partner listener or its own).
    for (const m of config.markets) {
      const base = daemon.marketListeners.get(m.id)?.url ?? daemon.partner.url;
      stderr.line(PRIORITY.info, `simgate: market ${m.id} (${m.dialect}) at ${base}${m.path}`);
    }
  } catch (err) {
    hup.dispose();
    io.stderr.write(`simgate run: ${refusalLine(err)}\n`);
    return refusalExitCode(err);
  }
  hup.attach(daemon, logger);

  // Under systemd (Type=notify): READY only now (store open, partner endpoint listening,
  // first discovery done); the watchdog is fed while the event loop keeps turning.
  const notifier = systemdNotifier(process.env, logger);
  const loop = eventLoopAlive();
  let stopStatus = (): void => {};
  if (notifier.enabled) {
    const status = serviceStatus(daemon);
    const first = status.text();
    await notifier.ready(first);
    stopStatus = keepStatusCurrent({ text: status.text, send: (t) => notifier.status(t), subscribe: status.subscribe, initial: first });
  }
  const stopWatchdog = notifier.startWatchdog(loop.healthy);

  await io.untilStopped();
  hup.stopping();
  stopStatus();
  stopWatchdog();
  loop.stop();
  await notifier.stopping();
  const deadline = setTimeout(() => {
    io.stderr.write("simgate run: shutdown took too long; exiting anyway\n");
    process.exit(EXIT_FAILURE);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  try {
    await daemon.close();
    return 0;
  } catch (err) {
    io.stderr.write(`simgate run: shutdown failed: ${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  } finally {
    clearTimeout(deadline);
    hup.dispose();
  }
};

/**
 * SIGHUP → daemon.reloadTls() (which logs one line: reloaded, or why not). Installed before
 * the daemon starts so a reload sent during the start does not kill it: it is run once the
 * daemon is up (the files are read at start anyway, but they may have changed meanwhile).
 * During shutdown it is ignored, never the default exit.
 */
function sighupReloader(): { attach(daemon: Daemon, logger: Logger): void; stopping(): void; dispose(): void } {
  let daemon: Daemon | undefined;
  let logger: Logger | undefined;
  let pending = false;
  let stopping = false;
  const reload = (): void => {
    if (stopping) {
      logger?.info({ event: "sighup-ignored" }, "SIGHUP during shutdown: ignored");
      return;
    }
    if (daemon === undefined) {
      pending = true;
      return;
    }
    void daemon.reloadTls();
  };
  process.on("SIGHUP", reload);
  return {
    attach(d, l) {
      daemon = d;
      logger = l;
      if (pending) reload();
    },
    stopping() {
      stopping = true;
    },
    dispose() {
      process.off("SIGHUP", reload);
    },
  };
}

function usage(io: { stderr: { write(t: string): unknown } }, message: string): number {
  io.stderr.write(`simgate run: ${message}\n`);
  return EXIT_USAGE;
}

/** The STATUS= line for `systemctl status simgate` (src/host/service-status.ts), and what may change it. */
function serviceStatus(d: Daemon): { text: () => string; subscribe: (wake: () => void) => () => void } {
  let lastSmsAt: number | null = null;
  try {
    for (const m of d.store.sms.lastPerPort()) lastSmsAt = Math.max(lastSmsAt ?? 0, m.receivedAt);
  } catch {
    // a store that cannot answer now: "none yet" until the next SMS
  }
  return {
    text: () => serviceStatusText({ states: d.map.snapshot().map((p) => p.state), openActivations: d.engine.stats().openActivations, lastSmsAt }),
    subscribe: (wake) => {
      const onSms = (): void => {
        lastSmsAt = Date.now();
        wake();
      };
      d.map.on("changed", wake);
      d.map.on("sms-received", onSms);
      return () => {
        d.map.off("changed", wake);
        d.map.off("sms-received", onSms);
      };
    },
  };
}

/**
 * The watchdog's health signal: a timer that must keep firing. If the event loop is stuck
 * (a runaway loop, a synchronous call that never returns) the pings stop and systemd
 * restarts us after WatchdogSec.
 */
function eventLoopAlive(maxLagMs = 5_000): { healthy: () => boolean; stop: () => void } {
  let last = Date.now();
  const timer = setInterval(() => (last = Date.now()), 1_000);
  timer.unref();
  return { healthy: () => Date.now() - last < maxLagMs, stop: () => clearInterval(timer) };
}
