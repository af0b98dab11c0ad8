/**
 * Issue 14 §1 as a property: over every interleaving of the network's `+CMTI` (stored
 * SMS, also several parts at once), `+CDSI` (stored status reports) and `+CMT` (class 3,
 * routed directly) with the receiver's reads, deletes and sweeps, every stored SMS is
 * read without waiting for the periodic sweep, none is lost and none is handed off twice.
 *
 * The module is the product's simulator (lowest free slot first, so a slot we delete is
 * the next one used; URCs behind the running command's final result) on a GatedWire:
 * fast-check decides when the module takes the host's command, when the network delivers,
 * and how its output is cut into reads. The receiver runs unchanged on the real
 * SerialPortStream and AtChannel; its periodic sweep is off (an hour), so an indication
 * it dropped would leave its SMS on the module for good, and an SMS that a sweep asked for
 * later finds first counts as a dropped indication too.
 */
import fc from "fast-check";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { AtChannel } from "../../src/at/index.js";
import { SmsReceiver, type ReceivedPart } from "../../src/modem/sms-receiver.js";
import { SimulatedBinding } from "../../src/sim/binding.js";
import { generatePool } from "../../src/sim/profile.js";
import { SimulatedModem } from "../../src/sim/simulated-modem.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { genericDriver } from "../../drivers/generic/index.js";
import { GatedWire, pump, settle } from "./gated-modem.js";

type Arrival = { k: "sms"; parts: 1 | 2 | 3 } | { k: "direct" } | { k: "report" };
type Step =
  /** The network delivers now, between commands: the URC goes out on its own. */
  | Arrival
  /**
   * The module executes what the host typed (if anything). `before` arrives while it runs,
   * before it takes effect (a listing includes it); `after` right after (a slot the command
   * freed is reused). Both URCs wait behind the reply.
   */
  | { k: "modemReads"; before: Arrival | null; after: Arrival | null }
  /** What waits on the wire reaches the host: as one read, or one read per line. */
  | { k: "deliver"; how: "all" | "lines" }
  | { k: "sweep" };

const arrivalArb: fc.Arbitrary<Arrival> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<1 | 2 | 3>(1, 1, 1, 2, 3).map((parts): Arrival => ({ k: "sms", parts })) },
  { weight: 1, arbitrary: fc.constant<Arrival>({ k: "direct" }) },
  { weight: 1, arbitrary: fc.constant<Arrival>({ k: "report" }) },
);
/** `arb` in about one turn out of `every`, else null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, every: number) => fc.oneof({ weight: every - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

/**
 * One turn of the conversation: maybe something arrives between commands, maybe a sweep
 * is asked for, then the module runs the host's command (with arrivals during it) and its
 * reply reaches the host, whole or line by line. Every interleaving is a list of turns.
 */
const turnArb: fc.Arbitrary<Step[]> = fc
  .record({
    between: sometimes(arrivalArb, 4),
    sweep: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
    before: sometimes(arrivalArb, 4),
    after: sometimes(arrivalArb, 4),
    how: fc.constantFrom<"all" | "lines">("all", "lines"),
  })
  .map(({ between, sweep, before, after, how }) => [
    ...(between ? [between] : []),
    ...(sweep ? [{ k: "sweep" } as const] : []),
    { k: "modemReads", before, after } as const,
    { k: "deliver", how } as const,
  ]);

/** A PDU the module stored (SMS part or status report): when its indication reached the host, when the module was asked for it. */
interface Stored {
  pdu: string;
  memory: string;
  index: number;
  /** Module command count when its +CMTI/+CDSI reached the host (null: not yet). */
  indicatedAt: number | null;
  /** Module command count when a command first read it (+CMGR of its slot, or a +CMGL listing it). */
  readAt: number | null;
  /** What first read it: its own +CMGR, or a sweep's +CMGL. */
  readBy: "read" | "list" | null;
  deleted: boolean;
  /** Other stored PDUs and sweeps still in progress when its indication arrived. */
  otherWorkAtIndication: number;
  /** A sweep was asked for and not finished when its indication arrived. */
  sweepAtIndication: boolean;
}

const profile = generatePool({ count: 16, dialect: "generic", seed: "interleavings" }).find((p) => p.sim.state === "ready" && (p.network.registration === 1 || p.network.registration === 5));
if (!profile) throw new Error("no ready, registered profile in the generated pool");

async function runSchedule(steps: Step[], caseNo: number): Promise<void> {
  const modem = new SimulatedModem(profile!, { ussdDelayMs: 20, resetMs: 60 });
  const wire = new GatedWire(modem);
  const binding = new SimulatedBinding();
  const path = `/sim/interleave${caseNo}`;
  binding.attach(path, wire);
  const port = await openBytePort({ path, binding });
  const channel = new AtChannel(port, { defaultTimeoutMs: 3_600_000 });
  const warnings: string[] = [];
  const logger = pino({ level: "warn" }, { write: (l: string) => void warnings.push(l) });
  const accepted = new Map<string, number>();
  const receiver = new SmsReceiver(channel, {
    portId: "usb-1-1",
    iccid: () => profile!.sim.iccid,
    driver: genericDriver,
    accept: async (part: ReceivedPart) => void accepted.set(part.pdu, (accepted.get(part.pdu) ?? 0) + 1),
    logger,
    sweepIntervalMs: 3_600_000,
    retryDelayMs: 3_600_000,
  });
  const run = async (p: Promise<unknown>) => {
    let done = false;
    void p.finally(() => (done = true));
    while (!done) await pump(wire);
    await p;
  };
  try {
    // What the port session does before the receiver: echo off, PDU mode, indications
    // (+CMTI, class 3 as +CMT, status reports stored with +CDSI).
    for (const cmd of ["ATE0", "AT+CMGF=0", "AT+CNMI=2,3,0,2,0"]) await run(channel.run(cmd));
    await run(receiver.start());

    // Ledger of what the module holds and what the host was told and asked.
    const stored: Stored[] = [];
    let directSent = 0;
    /** Everything the host received, in order. */
    let transcript = "";
    let executed = 0;
    let sweepsRunning = 0;
    const live = (memory: string, index: number) => stored.find((s) => !s.deleted && s.memory === memory && s.index === index);
    modem.activity.on("command", (line) => {
      const m = /^AT\+CPMS="(\w+)";\+CMG([RLD])=(\d+)/.exec(line);
      if (m) {
        const [, memory, op, arg] = m;
        const touched = op === "L" ? stored.filter((s) => !s.deleted && s.memory === memory) : [live(memory!, Number(arg))].filter((s) => s !== undefined);
        for (const s of touched) {
          if (s.readAt === null) [s.readAt, s.readBy] = [executed, op === "L" ? "list" : "read"];
          if (op === "D") s.deleted = true;
        }
      }
      executed++;
    });
    // Which indications each read carries: URCs leave in order, one per stored PDU.
    wire.on("output", (chunk) => {
      transcript += chunk.toString("latin1");
      for (const m of chunk.toString("latin1").matchAll(/\+(?:CMTI|CDSI): "(\w+)",(\d+)/g)) {
        const s = stored.find((x) => x.indicatedAt === null && x.memory === m[1] && x.index === Number(m[2]));
        if (!s) throw new Error(`an indication for no stored PDU: ${m[0]}`);
        s.indicatedAt = executed;
        s.otherWorkAtIndication = stored.filter((x) => x !== s && !x.deleted).length + sweepsRunning;
        s.sweepAtIndication = sweepsRunning > 0;
      }
    });

    let text = 0;
    let messageRef = 0;
    const arrive = (a: Arrival) => {
      switch (a.k) {
        case "sms": {
          const body = `code ${100000 + text++} `.repeat(a.parts === 1 ? 2 : a.parts === 2 ? 20 : 30);
          const indexes = modem.injectSms({ sender: "+79161234567", text: body, messageClass: 1 });
          expect(indexes.length).toBe(a.parts);
          for (const index of indexes) stored.push({ pdu: modem.storage("ME")!.get(index)!.pdu, memory: "ME", index, indicatedAt: null, readAt: null, readBy: null, deleted: false, otherWorkAtIndication: 0, sweepAtIndication: false });
          break;
        }
        case "direct":
          // Routed as +CMT, never stored: its PDU is taken from the wire as it reaches the host.
          expect(modem.injectSms({ sender: "+79161234567", text: `direct ${text++}`, messageClass: 3 })).toEqual([]);
          directSent++;
          break;
        case "report": {
          const index = modem.injectStatusReport({ recipient: "+79161234567", messageRef: messageRef++ & 0xff });
          expect(index).not.toBeNull();
          stored.push({ pdu: modem.storage("SR")!.get(index!)!.pdu, memory: "SR", index: index!, indicatedAt: null, readAt: null, readBy: null, deleted: false, otherWorkAtIndication: 0, sweepAtIndication: false });
          break;
        }
      }
    };

    for (const step of steps) {
      switch (step.k) {
        case "modemReads": {
          const { before, after } = step;
          if (before && wire.typed > 0) modem.activity.once("command", () => arrive(before));
          else if (before) arrive(before);
          if (after && wire.typed > 0) modem.activity.once("executed", () => arrive(after));
          else if (after) arrive(after);
          wire.modemReads();
          break;
        }
        case "deliver":
          if (step.how === "all") wire.deliver("all");
          // A read per line, the host running between them.
          else while (wire.waiting > 0) {
            wire.deliver("line");
            await settle(wire);
          }
          break;
        case "sweep":
          sweepsRunning++;
          void receiver.sweep().finally(() => sweepsRunning--);
          break;
        default:
          arrive(step);
      }
      await settle(wire);
      // The receiver never rests while an SMS it was told about is unread: at rest it has
      // nothing on the wire and nothing waiting for it.
      if (wire.typed === 0 && wire.waiting === 0) {
        const unread = stored.filter((s) => s.indicatedAt !== null && s.readAt === null);
        expect(unread, "indicated, the receiver at rest, and never read").toEqual([]);
      }
    }
    // Let everything reach the host and the receiver finish: NO sweep is asked for.
    await pump(wire);
    while (sweepsRunning > 0) await pump(wire);

    for (const s of stored) {
      expect(s.indicatedAt, `indication of ${s.memory}:${s.index}`).not.toBeNull();
      expect(s.readAt, `read of ${s.memory}:${s.index}`).not.toBeNull();
      // Acted on: not left for a sweep asked for after its indication (the indication path
      // reads or re-reads a slot before any later sweep lists it: one lock, first come first served).
      if (s.readBy === "list" && s.readAt! >= s.indicatedAt! && !s.sweepAtIndication) expect.fail(`${s.memory}:${s.index} was found by a later sweep: its indication was lost`);
      // Uncontended: read by the next command after the one in flight (one round trip).
      if (s.otherWorkAtIndication === 0) expect(s.readAt! - s.indicatedAt!, `round trips from indication to read of ${s.memory}:${s.index}`).toBeLessThanOrEqual(1);
    }
    const direct = [...transcript.matchAll(/\+CMT: ,\d+\r\n([0-9A-F]+)\r\n/g)].map((m) => m[1]!);
    expect(direct).toHaveLength(directSent);
    const expected = [...stored.map((s) => s.pdu), ...direct];
    expect(new Set(expected).size).toBe(expected.length);
    // None lost, none handed off twice, nothing left on the module.
    expect(Object.fromEntries(accepted)).toEqual(Object.fromEntries(expected.map((p) => [p, 1])));
    expect([modem.storage("ME")!.used, modem.storage("SM")!.used, modem.storage("SR")!.used]).toEqual([0, 0, 0]);
    expect(receiver.stats.directUnacked).toBe(0);
    // The sweeps never found an SMS whose indication was lost, and nothing failed.
    expect(warnings).toEqual([]);
  } finally {
    receiver.stop();
    await channel.close();
    modem.close();
  }
}

describe("SmsReceiver over every interleaving of indications, reads, deletes and sweeps (issue 14 §1)", () => {
  it("reads every stored SMS within one round trip of its indication when nothing else is pending, never rests with one unread, loses none, hands off none twice", async () => {
    let caseNo = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(turnArb, { minLength: 1, maxLength: 30 }), (turns) => runSchedule(turns.flat(), caseNo++)),
      // 300: the receiver that dropped an indication for a slot in flight failed within 2-148 runs in five tries; 2,000 pass.
      { numRuns: 300 },
    );
    const g = globalThis as any;
    console.log("Q", g.__q, "RR", g.__rr, "EMPTY", g.__empty);
    void (0
    );
    console.log("DROPS", (globalThis as any).__drops);
    void (0
    );
  }, 240_000);

  it("the field transcript: SMS after SMS into slot 1, each +CMTI behind the OK of the delete that freed it", async () => {
    const steps: Step[] = [{ k: "sms", parts: 1 }, { k: "deliver", how: "all" }];
    // Each round: the module runs the read, the reply goes out; it runs the delete, and the
    // next SMS arrives into the freed slot before the OK goes out.
    for (let i = 0; i < 5; i++) steps.push({ k: "modemReads", before: null, after: null }, { k: "deliver", how: "all" }, { k: "modemReads", before: null, after: { k: "sms", parts: 1 } }, { k: "deliver", how: "all" });
    await runSchedule(steps, 10_000);
  });

  it("a sweep takes an SMS before its +CMTI is read; the queued indication re-reads the slot, which is empty, and an SMS stored there meanwhile is read too", async () => {
    // Deep enough that random schedules reach it rarely (an arrival during the empty
    // re-read must land in that very slot), so it is spelled out.
    const steps: Step[] = [
      { k: "sweep" },
      { k: "modemReads", before: null, after: null }, // AT+CPMS?
      { k: "deliver", how: "all" },
      { k: "modemReads", before: { k: "sms", parts: 1 }, after: null }, // +CMGL=4 in ME lists it, its +CMTI behind the OK
      { k: "deliver", how: "lines" }, // the OK (the sweep claims slot 1) before the +CMTI (queued)
      { k: "modemReads", before: null, after: null }, // +CMGL=4 in SM
      { k: "deliver", how: "all" },
      { k: "modemReads", before: null, after: null }, // +CMGD=1 by the sweep
      { k: "deliver", how: "all" },
      { k: "modemReads", before: null, after: { k: "sms", parts: 1 } }, // the queued re-read: empty, and the next SMS takes slot 1
      { k: "deliver", how: "all" },
    ];
    await runSchedule(steps, 20_000);
  });
});

