/**
 * Readiness and watchdog for systemd (Type=notify, WatchdogSec=; systemd/simgate.service).
 *
 * The daemon calls ready() once the store is open and the partner endpoint listens,
 * status() on milestones, startWatchdog(isHealthy) with a check of its main loop, and
 * stopping() on SIGTERM. Outside systemd (no NOTIFY_SOCKET: a terminal, tests) every call
 * is a no-op. A notification that cannot be sent is logged (warn once, then debug) and
 * never thrown: a broken notify path must not take the pool down — systemd will notice
 * on its own (start timeout, watchdog) and say so in the journal.
 */
import type { Logger } from "../log/logger.js";
import { sanitizeStatus, sendNotify, type NotifySendOptions } from "./notify-send.js";

export interface SystemdNotifier {
  /** NOTIFY_SOCKET is set: we run under a service manager that listens. */
  readonly enabled: boolean;
  /** READY=1 (plus STATUS= when given). */
  ready(status?: string): Promise<void>;
  /** STATUS=<one line>, shown by `systemctl status simgate`. */
  status(text: string): Promise<void>;
  /** STOPPING=1; also stops the watchdog pings (nothing is watched during shutdown). */
  stopping(): Promise<void>;
  /**
   * The watchdog timeout systemd enforces (WATCHDOG_USEC) in ms, or null when there is no
   * watchdog for this process. Like sd_watchdog_enabled(): startWatchdog pings at half of it.
   */
  watchdogIntervalMs(): number | null;
  /**
   * Ping WATCHDOG=1 every watchdogIntervalMs()/2 while isHealthy() returns true. When it
   * returns false (or throws) the ping is withheld and systemd restarts the service after
   * WatchdogSec. Returns the stop function. A second call replaces the first.
   */
  startWatchdog(isHealthy: () => boolean): () => void;
}

export interface NotifierOptions extends NotifySendOptions {
  /** Our PID, compared with WATCHDOG_PID (tests pass their own). */
  pid?: number;
  /** Lower bound for the ping period: a tiny WatchdogSec must not become a spawn storm. */
  minPingMs?: number;
}

const noop = async (): Promise<void> => {};

/** Disabled (all no-ops) when NOTIFY_SOCKET is unset or empty. */
export function systemdNotifier(env: NodeJS.ProcessEnv = process.env, logger?: Logger, options: NotifierOptions = {}): SystemdNotifier {
  const socket = env["NOTIFY_SOCKET"];
  if (!socket) {
    return { enabled: false, ready: noop, status: noop, stopping: noop, watchdogIntervalMs: () => null, startWatchdog: () => () => {} };
  }
  const watchdogMs = watchdogTimeoutMs(env, options.pid ?? process.pid, logger);
  // Only what the sender needs: the daemon's environment holds SIMGATE_ONLINESIM_KEY, and a
  // frozen copy means later changes to process.env do not redirect our messages.
  const childEnv: NodeJS.ProcessEnv = { NOTIFY_SOCKET: socket };
  if (env["PATH"] !== undefined) childEnv["PATH"] = env["PATH"];
  let failures = 0;
  // One sender at a time, in call order: READY must not overtake STATUS, nor a ping READY.
  let queue: Promise<void> = Promise.resolve();

  const send = (fields: string[]): Promise<void> => {
    const next = queue.then(async () => {
      try {
        await sendNotify(fields, childEnv, options);
        logger?.debug({ notify: fields }, "systemd notified");
      } catch (err) {
        failures++;
        const context = { err, notify: fields, socket };
        if (failures === 1) logger?.warn(context, "systemd notification failed (is systemd-notify installed and NotifyAccess=all set?); later failures are logged at debug");
        else logger?.debug(context, "systemd notification failed");
      }
    });
    queue = next;
    return next;
  };

  let stopWatchdog: (() => void) | null = null;

  const startWatchdog = (isHealthy: () => boolean): (() => void) => {
    stopWatchdog?.();
    if (watchdogMs === null) return () => {};
    const periodMs = Math.max(options.minPingMs ?? 50, Math.floor(watchdogMs / 2));
    let inFlight = false;
    let withheld = false;
    const tick = () => {
      let healthy: boolean;
      try {
        healthy = isHealthy();
      } catch (err) {
        logger?.debug({ err }, "watchdog health check threw; counted as unhealthy");
        healthy = false;
      }
      if (!healthy) {
        if (!withheld) logger?.warn({ watchdogMs }, "main loop unhealthy: withholding the systemd watchdog ping (systemd restarts simgate if this lasts)");
        withheld = true;
        return;
      }
      if (withheld) logger?.info("main loop healthy again: watchdog pings resumed");
      withheld = false;
      // A sender still waiting on its barrier: the next one would only queue behind it.
      if (inFlight) return;
      inFlight = true;
      void send(["WATCHDOG=1"]).finally(() => {
        inFlight = false;
      });
    };
    const timer = setInterval(tick, periodMs);
    // The watchdog alone never keeps the process alive.
    timer.unref();
    tick();
    const stop = () => {
      clearInterval(timer);
      if (stopWatchdog === stop) stopWatchdog = null;
    };
    stopWatchdog = stop;
    return stop;
  };

  return {
    enabled: true,
    ready: (status) => send(status === undefined ? ["READY=1"] : ["READY=1", `STATUS=${sanitizeStatus(status)}`]),
    status: (text) => send([`STATUS=${sanitizeStatus(text)}`]),
    stopping: () => {
      stopWatchdog?.();
      return send(["STOPPING=1"]);
    },
    watchdogIntervalMs: () => watchdogMs,
    startWatchdog,
  };
}

/**
 * WATCHDOG_USEC in ms, or null when unset or not a positive integer.
 *
 * sd_watchdog_enabled() also returns "no" when WATCHDOG_PID names another process, so that
 * children that inherit the environment do not ping. We ping anyway and only say so: the
 * only caller is `simgate run`, and with NotifyAccess=all systemd takes pings from any
 * process of the unit. A mismatch means the /usr/bin/simgate wrapper forked node instead of
 * exec'ing it; refusing to ping would turn that packaging slip into a restart every
 * WatchdogSec.
 */
export function watchdogTimeoutMs(env: NodeJS.ProcessEnv, pid: number, logger?: Logger): number | null {
  const usecText = env["WATCHDOG_USEC"];
  if (!usecText) return null;
  if (!/^\d+$/.test(usecText) || Number(usecText) <= 0) {
    logger?.warn({ WATCHDOG_USEC: usecText }, "ignoring a malformed WATCHDOG_USEC");
    return null;
  }
  const pidText = env["WATCHDOG_PID"];
  if (pidText && pidText !== String(pid)) {
    logger?.info({ WATCHDOG_PID: pidText, pid }, "WATCHDOG_PID is not this process (the simgate wrapper forks node instead of exec'ing it); pinging anyway");
  }
  return Math.max(1, Math.round(Number(usecText) / 1000));
}
