/**
 * The run/stop life every sender shares (src/worker/worker.ts): start, stop while idle,
 * stop while running (work that answers within the grace, work that hangs), a step that
 * throws, and no step after stop() resolved, also over random interleavings (fast-check).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Worker } from "../../src/worker/index.js";
import { captureLogger, ManualTime, tick } from "../outbound/helpers.js";

function worker(over: { stopTimeoutMs?: number; retryAfterErrorMs?: number } = {}) {
  const time = new ManualTime();
  const log = captureLogger();
  const w = new Worker({ name: "test-sender", log: log.logger, stopTimeoutMs: over.stopTimeoutMs ?? 2_000, clock: time.clock, timers: time.timers, retryAfterErrorMs: over.retryAfterErrorMs ?? 1_000 });
  return { w, time, log };
}

/** A promise settled by hand, with the abort signal of its controller. */
function pending(): { promise: Promise<void>; resolve: () => void; controller: AbortController } {
  const controller = new AbortController();
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
    controller.signal.addEventListener("abort", () => r());
  });
  return { promise, resolve, controller };
}

describe("Worker", () => {
  it("start: idle → running once; steps run on a kick (one per turn, however many kicks) and on a timer", async () => {
    const { w, time } = worker();
    let steps = 0;
    const kick = w.coalesced(() => steps++);
    const timer = w.timer(() => steps++);
    kick();
    timer.arm(time.now + 500);
    expect(steps).toBe(0); // nothing runs before start()
    await tick();
    expect(steps).toBe(0);
    expect(time.nextAt).toBeNull();

    expect(w.start()).toBe(true);
    expect(w.state).toBe("running");
    expect(w.start()).toBe(false);
    kick();
    kick();
    kick();
    expect(steps).toBe(0); // on the microtask queue, not inside the caller
    await tick();
    expect(steps).toBe(1);
    timer.arm(time.now + 500);
    timer.arm(time.now + 900); // later: the earlier one stays
    expect(time.nextAt).toBe(time.now + 500);
    time.next();
    expect(steps).toBe(2);
    expect(time.nextAt).toBeNull();
    await w.stop();
  });

  it("stop while idle: stopped at once, calls no hook, and the worker never starts afterwards", async () => {
    const { w } = worker();
    const hooks: string[] = [];
    await w.stop({ afterGrace: () => hooks.push("grace"), afterSettled: () => void hooks.push("settled") });
    expect(w.state).toBe("stopped");
    expect(w.closed).toBe(true);
    expect(hooks).toEqual([]);
    expect(w.start()).toBe(false);
    let steps = 0;
    w.coalesced(() => steps++)();
    w.timer(() => steps++).fireNow();
    await tick();
    expect(steps).toBe(0);
  });

  it("stop while running: waits for work that settles within the grace, records it before closing, clears the timers", async () => {
    const { w, time } = worker({ stopTimeoutMs: 10_000 });
    w.start();
    w.timer(() => undefined).arm(time.now + 60_000);
    const work = pending();
    void w.track(work.promise, work.controller);
    expect(w.inFlight).toBe(1);
    const order: string[] = [];
    const stopped = w.stop({
      afterGrace: (finished, inFlight) => order.push(`grace finished=${finished} inFlight=${inFlight} closed=${w.closed}`),
      afterSettled: () => void order.push(`settled closed=${w.closed}`),
    });
    expect(w.state).toBe("stopping");
    expect(w.running).toBe(false);
    expect(time.nextAt).toBeNull();
    await tick();
    expect(order).toEqual([]); // still waiting for the work
    work.resolve();
    await stopped;
    expect(order).toEqual(["grace finished=true inFlight=0 closed=false", "settled closed=true"]);
    expect(work.controller.signal.aborted).toBe(false);
    expect(w.state).toBe("stopped");
    // A second stop() is the same stop.
    await w.stop();
    expect(order).toHaveLength(2);
  });

  it("stop while running with work that hangs: after stopTimeoutMs it is aborted and unwinds before stop() resolves", async () => {
    const { w } = worker({ stopTimeoutMs: 100 });
    w.start();
    const work = pending();
    let unwound = false;
    void w.track(
      work.promise.then(() => {
        unwound = true;
      }),
      work.controller,
    );
    let graceSaw: [boolean, number] | undefined;
    const second = (async () => {
      await tick();
      return w.stop(); // a concurrent second stop() waits for the same end
    })();
    await w.stop({ afterGrace: (finished, inFlight) => (graceSaw = [finished, inFlight]) });
    expect(graceSaw).toEqual([false, 1]);
    expect(work.controller.signal.aborted).toBe(true);
    expect(unwound).toBe(true);
    expect(w.inFlight).toBe(0);
    expect(w.closed).toBe(true);
    await second;
    expect(w.state).toBe("stopped");
  });

  it("a step that throws: the worker stays alive, logs one error line for a run of failures, and runs the step again after retryAfterErrorMs", async () => {
    const { w, time, log } = worker({ retryAfterErrorMs: 1_000 });
    w.start();
    let calls = 0;
    let failing = true;
    const kick = w.coalesced(() => {
      calls++;
      if (failing) throw new Error("boom");
    });
    kick();
    await tick();
    expect(calls).toBe(1);
    expect(w.running).toBe(true);
    expect(time.nextAt).toBe(time.now + 1_000);
    time.next(); // the retry: fails again, not logged at error again
    time.next();
    expect(calls).toBe(3);
    expect(log.at("error")).toHaveLength(1);
    expect(log.at("error")[0]!.msg).toContain("test-sender: a step failed");
    expect(log.lines.filter((l) => l["event"] === "worker-step-failed")).toHaveLength(3);
    failing = false;
    time.next();
    expect(calls).toBe(4);
    expect(time.nextAt).toBeNull(); // a step that succeeds arms no retry
    failing = true;
    kick();
    await tick();
    expect(log.at("error")).toHaveLength(2); // a new run of failures is a new error line
    // Tracked work that rejects is a failed step too, not an unhandled rejection.
    void w.track(Promise.reject(new Error("async boom")));
    await tick();
    expect(w.running).toBe(true);
    expect(log.lines.filter((l) => l["event"] === "worker-step-failed")).toHaveLength(5);
    await w.stop();
  });

  it("no step runs once stop() is called, nor after it resolved, whatever was scheduled, kicked or in flight (random interleavings)", async () => {
    type Op = { kind: "kick" } | { kind: "arm"; ms: number } | { kind: "track"; settleAfterTicks: number; kicksWhenDone: boolean } | { kind: "tick" } | { kind: "fire" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ kind: "kick" }),
      fc.integer({ min: 0, max: 5_000 }).map<Op>((ms) => ({ kind: "arm", ms })),
      fc.record({ settleAfterTicks: fc.integer({ min: 0, max: 6 }), kicksWhenDone: fc.boolean() }).map<Op>((r) => ({ kind: "track", ...r })),
      fc.constant<Op>({ kind: "tick" }),
      fc.constant<Op>({ kind: "fire" }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), fc.integer({ min: 0, max: 4 }), fc.boolean(), async (ops, stopAfterTicks, hangs) => {
        const { w, time } = worker({ stopTimeoutMs: 20 });
        let steps = 0;
        const kick = w.coalesced(() => steps++);
        const timer = w.timer(() => {
          steps++;
          timer.arm(time.now + 100); // a step that re-arms itself, as the senders' do
        });
        w.start();
        const settleLater = async (ticks: number, kicks: boolean, signal: AbortSignal): Promise<void> => {
          for (let i = 0; i < ticks && !signal.aborted; i++) await tick();
          if (hangs && !signal.aborted) await new Promise<void>((r) => signal.addEventListener("abort", () => r()));
          if (kicks) {
            kick();
            timer.arm(time.now);
          }
        };
        for (const o of ops) {
          if (o.kind === "kick") kick();
          else if (o.kind === "arm") timer.arm(time.now + o.ms);
          else if (o.kind === "tick") await tick();
          else if (o.kind === "fire") time.next();
          else {
            const controller = new AbortController();
            void w.track(settleLater(o.settleAfterTicks, o.kicksWhenDone, controller.signal), controller);
          }
        }
        const stopping = w.stop();
        const atStopCall = steps;
        for (let i = 0; i < stopAfterTicks; i++) {
          kick();
          timer.arm(time.now);
          await tick();
        }
        await stopping;
        expect(steps).toBe(atStopCall); // none even while stop() waited
        kick();
        timer.arm(time.now);
        timer.set(time.now);
        for (let i = 0; i < 5; i++) {
          time.next();
          await tick();
        }
        expect(steps).toBe(atStopCall);
        expect(time.nextAt).toBeNull();
        expect(w.inFlight).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});
