import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resync, type ResyncIo, type ResyncOptions } from "../../src/at/resync.js";

/** A scripted ResyncIo: records writes, lets the test push lines. */
function fakeIo(opts: { failWrite?: boolean } = {}) {
  const writes: string[] = [];
  let listener: ((line: string) => void) | undefined;
  let flushes = 0;
  const io: ResyncIo = {
    flushInput: async () => {
      flushes++;
    },
    write: async (data) => {
      if (opts.failWrite) throw new Error("EIO");
      writes.push(data);
    },
    listen: (l) => {
      listener = l;
      return () => {
        listener = undefined;
      };
    },
  };
  return {
    io,
    writes,
    flushes: () => flushes,
    say: (...lines: string[]) => lines.forEach((l) => listener?.(l)),
    listening: () => listener !== undefined,
  };
}

const OPTS: ResyncOptions = { attempts: 3, timeoutMs: 1000, settleMs: 100, abortPrompt: false };

describe("resync", () => {
  beforeEach(() => {
    // performance too: the quiet wait grows with how long the answer took (see resync.ts).
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("flushes, writes a bare AT and succeeds on OK followed by quiet", async () => {
    const dev = fakeIo();
    const result = resync(dev.io, OPTS);
    await vi.advanceTimersByTimeAsync(0);
    expect(dev.writes).toEqual(["AT\r"]);
    expect(dev.flushes()).toBe(1);
    dev.say("AT", "OK"); // echo of our AT is not reported as ignored
    await vi.advanceTimersByTimeAsync(100);
    await expect(result).resolves.toEqual({ ok: true, attempts: 1 });
    expect(dev.listening()).toBe(false);
  });

  it("a stale OK after ours restarts the quiet wait, so both are consumed", async () => {
    const dev = fakeIo();
    const ignored: string[] = [];
    const result = resync(dev.io, { ...OPTS, onIgnored: (l) => ignored.push(l) });
    await vi.advanceTimersByTimeAsync(0);
    dev.say("OK");
    await vi.advanceTimersByTimeAsync(60);
    dev.say("+COPS: 0,2,\"25001\"", "OK"); // the timed-out command's late reply
    await vi.advanceTimersByTimeAsync(100);
    let settled = false;
    void result.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    // That OK came 60 ms after our AT: 100 ms of quiet plus those 60.
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(60);
    await expect(result).resolves.toEqual({ ok: true, attempts: 1 });
    expect(ignored).toEqual(['+COPS: 0,2,"25001"']);
  });

  it("retries with a fresh AT after each silent attempt, then gives up", async () => {
    const dev = fakeIo();
    const result = resync(dev.io, OPTS);
    await vi.advanceTimersByTimeAsync(3000);
    await expect(result).resolves.toEqual({ ok: false, attempts: 3 });
    expect(dev.writes).toEqual(["AT\r", "AT\r", "AT\r"]);
    expect(dev.flushes()).toBe(3);
  });

  it("a slow module's late OK ahead of ours: the quiet wait is as long as the module is slow, so both are consumed", async () => {
    const dev = fakeIo();
    const ignored: string[] = [];
    const result = resync(dev.io, { ...OPTS, onIgnored: (l) => ignored.push(l) });
    let settled = false;
    void result.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    // The module was still busy with an earlier command: its reply comes 300 ms after our AT...
    await vi.advanceTimersByTimeAsync(300);
    dev.say("+CGMI: QUALCOMM", "OK");
    // ...and the answer to our AT another 300 ms later, long after a fixed 100 ms of quiet.
    await vi.advanceTimersByTimeAsync(300);
    expect(settled).toBe(false);
    dev.say("OK");
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    // Ours came 600 ms after the AT: quiet that long would pass the attempt's 1 s; the deadline ends it, answered.
    await vi.advanceTimersByTimeAsync(400);
    await expect(result).resolves.toEqual({ ok: true, attempts: 1 });
    expect(ignored).toEqual(["+CGMI: QUALCOMM"]);
  });

  it("a +CME ERROR to the AT is an answer (a module that wants its PIN first, or says 515 while it restarts)", async () => {
    for (const refusal of ["+CME ERROR: 11", "+CME ERROR: 515", "+CME ERROR: SIM PIN required"]) {
      const dev = fakeIo();
      const result = resync(dev.io, { ...OPTS, attempts: 1 });
      await vi.advanceTimersByTimeAsync(0);
      dev.say(refusal);
      await vi.advanceTimersByTimeAsync(100);
      await expect(result, refusal).resolves.toEqual({ ok: true, attempts: 1 });
    }
  });

  it("ERROR to the AT is not success", async () => {
    const dev = fakeIo();
    const result = resync(dev.io, { ...OPTS, attempts: 1 });
    await vi.advanceTimersByTimeAsync(0);
    dev.say("ERROR");
    await vi.advanceTimersByTimeAsync(1000);
    await expect(result).resolves.toEqual({ ok: false, attempts: 1 });
  });

  it("sends ESC before the first AT when the modem may sit at the > prompt", async () => {
    const dev = fakeIo();
    const result = resync(dev.io, { ...OPTS, abortPrompt: true, attempts: 2 });
    await vi.advanceTimersByTimeAsync(2000);
    await result;
    expect(dev.writes).toEqual(["\x1b", "AT\r", "AT\r"]);
  });

  it("stops at once when aborted (port closed) or when the write fails", async () => {
    const ac = new AbortController();
    const dev = fakeIo();
    const aborted = resync(dev.io, { ...OPTS, signal: ac.signal });
    await vi.advanceTimersByTimeAsync(10);
    ac.abort();
    await expect(aborted).resolves.toEqual({ ok: false, attempts: 1 });

    const broken = fakeIo({ failWrite: true });
    await expect(resync(broken.io, OPTS)).resolves.toEqual({ ok: false, attempts: 1 });
  });
});
