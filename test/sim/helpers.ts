/** Host-side helpers for simulator tests: a real SerialPortStream (openBytePort) over the in-process binding. */
import type { BytePort } from "../../src/transport/byte-port.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { SimulatedBinding } from "../../src/sim/binding.js";
import { generatePool, type SimDialect, type SimModemProfile } from "../../src/sim/profile.js";
import { SimulatedModem, type SimulatedModemOptions } from "../../src/sim/simulated-modem.js";

/** A final result line at the end of the buffer (verbose mode). */
export const FINAL = /\r\n(OK|ERROR|COMMAND NOT SUPPORT|\+CM[ES] ERROR: [^\r]*)\r\n$/;

export class Host {
  received = "";
  #waiters = new Set<() => void>();

  constructor(readonly port: BytePort) {
    port.on("data", (chunk) => {
      this.received += chunk.toString("latin1");
      for (const w of this.#waiters) w();
    });
  }

  /** Resolve when `predicate(received)` holds; reject after `timeoutMs`. */
  waitFor(predicate: (text: string) => boolean, timeoutMs = 2000, what = "data"): Promise<string> {
    if (predicate(this.received)) return Promise.resolve(this.received);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this.received)) return;
        cleanup();
        resolve(this.received);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  /** Clear, write `text` + CR, wait for a final result; returns everything received. */
  async cmd(text: string, until: RegExp = FINAL, timeoutMs = 2000): Promise<string> {
    this.received = "";
    await this.port.write(`${text}\r`);
    return this.waitFor((t) => until.test(t), timeoutMs, `reply to ${text}`);
  }

  /** Like cmd, with echo off assumed: the info lines between the first CRLF and the final result. */
  async lines(text: string): Promise<string[]> {
    const out = await this.cmd(text);
    return out.split("\r\n").filter((l) => l !== "" && l !== text);
  }
}

export interface Rig {
  modem: SimulatedModem;
  profile: SimModemProfile;
  binding: SimulatedBinding;
  host: Host;
  close(): Promise<void>;
}

export function profileFor(dialect: SimDialect, seed: string | number = 1, index = 0): SimModemProfile {
  const all = generatePool({ count: index + 1, dialect, seed, noNumberRatio: 0 });
  const p = all[index];
  if (!p) throw new Error("no profile");
  return p;
}

/** One modem on the in-process binding, opened through the real SerialPortStream, echo off unless asked. */
export async function rig(
  profile: SimModemProfile,
  opts: { echo?: boolean; modem?: SimulatedModemOptions } = {},
): Promise<Rig> {
  const modem = new SimulatedModem(profile, { ussdDelayMs: 20, resetMs: 60, ...opts.modem });
  const binding = new SimulatedBinding();
  binding.attach("/sim/test0", modem);
  const port = await openBytePort({ path: "/sim/test0", binding });
  const host = new Host(port);
  if (!opts.echo) await host.cmd("ATE0");
  return {
    modem,
    profile,
    binding,
    host,
    close: async () => {
      await port.close();
      modem.close();
    },
  };
}
