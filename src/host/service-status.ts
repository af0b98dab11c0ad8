/**
 * The STATUS= line `systemctl status simgate` shows, kept current:
 *
 *   Status: "8/8 ports sellable, 1 open activation, last SMS 14:03:07"
 *
 * It is re-sent when it changes: at once after a port event (a port became sellable, went
 * away, an SMS arrived), and by a light periodic check for what has no event here (an
 * activation opened or finished through the partner endpoint). At most one message per
 * `minIntervalMs`, the last change always included (each message runs systemd-notify: a
 * 64-port pool coming up must not spawn one per state change). Times are wall-clock, so
 * the line is never stale between updates.
 */

export interface ServiceStatusFacts {
  /** Every port's state ("ready" = sellable). */
  states: readonly string[];
  openActivations: number;
  /** When the last whole SMS arrived (ms since epoch), or null. */
  lastSmsAt: number | null;
}

function clock(ms: number, now: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return new Date(now).toDateString() === d.toDateString() ? time : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}`;
}

export function serviceStatusText(f: ServiceStatusFacts, now = Date.now()): string {
  const ready = f.states.filter((s) => s === "ready").length;
  const open = `${f.openActivations} open activation${f.openActivations === 1 ? "" : "s"}`;
  return `${ready}/${f.states.length} ports sellable, ${open}, last SMS ${f.lastSmsAt === null ? "none yet" : clock(f.lastSmsAt, now)}`;
}

export interface StatusKeeperOptions {
  /** The line as it is now. */
  text: () => string;
  /** Sends it (STATUS=…); never rejects (the notifier logs its own failures). */
  send: (text: string) => Promise<void>;
  /** Subscribes `wake` to the events that may change the line; returns the unsubscribe. */
  subscribe: (wake: () => void) => () => void;
  /** The line as last sent (READY=1 carries the first one). */
  initial: string;
  minIntervalMs?: number;
  checkEveryMs?: number;
}

export const STATUS_MIN_INTERVAL_MS = 5_000;
export const STATUS_CHECK_EVERY_MS = 10_000;

/** Keeps STATUS= current until the returned stop() (call it before STOPPING=1). */
export function keepStatusCurrent(o: StatusKeeperOptions): () => void {
  const minInterval = o.minIntervalMs ?? STATUS_MIN_INTERVAL_MS;
  let sent = o.initial;
  let lastSendAt = Date.now();
  let pending: NodeJS.Timeout | undefined;
  let stopped = false;

  const flush = (): void => {
    pending = undefined;
    if (stopped) return;
    const text = o.text();
    if (text === sent) return;
    sent = text;
    lastSendAt = Date.now();
    void o.send(text);
  };
  const wake = (): void => {
    if (stopped || pending !== undefined) return;
    const wait = Math.max(0, lastSendAt + minInterval - Date.now());
    pending = setTimeout(flush, wait);
    pending.unref();
  };
  const unsubscribe = o.subscribe(wake);
  const check = setInterval(wake, o.checkEveryMs ?? STATUS_CHECK_EVERY_MS);
  check.unref();
  return () => {
    stopped = true;
    unsubscribe();
    clearInterval(check);
    if (pending !== undefined) clearTimeout(pending);
  };
}
