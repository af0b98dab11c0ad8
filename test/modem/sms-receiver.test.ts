/**
 * The SMS receive path over the simulator (in-process binding, real SerialPortStream and
 * AtChannel). Every test waits on conditions with a bound, never on fixed sleeps.
 */
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AtChannel, type AtChannelOptions } from "../../src/at/index.js";
import { encodeDeliver } from "../../src/codec/index.js";
import { SmsReceiver, type CompleteSms, type LostIndications, type ReceivedPart, type SmsReceiverOptions } from "../../src/modem/sms-receiver.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { generatePool, type SimDialect } from "../../src/sim/profile.js";
import type { SimulatedModem } from "../../src/sim/simulated-modem.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { genericDriver } from "../../drivers/generic/index.js";
import { huaweiDriver } from "../../drivers/huawei/index.js";
import type { DriverDescriptor } from "../../drivers/types.js";

/** Reads and receives on the SIM, so the tests can watch `modem.storage("SM")` and its small capacity. */
const simDriver: DriverDescriptor = { ...genericDriver, storage: { preferred: ["SM"] } };

/** Resolve when `cond()` holds; fail naming `what` after `ms`. Polls (5 ms), so no fixed sleeps. */
async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function nextEvent<T>(emitter: SmsReceiver, event: "message" | "storage-warning", ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    emitter.once(event, (value: unknown) => {
      clearTimeout(timer);
      resolve(value as T);
    });
  });
}

/** The durable store stand-in: records calls; fails, defers or accepts on demand. */
class FakeStore {
  readonly calls: ReceivedPart[] = [];
  readonly stored = new Map<string, ReceivedPart>();
  mode: "ok" | "fail" | "defer" = "ok";
  /** Fail this many more calls, then behave per `mode`. */
  failNext = 0;
  readonly deferred: { part: ReceivedPart; resolve(): void; reject(e: Error): void }[] = [];

  readonly accept = async (part: ReceivedPart): Promise<void> => {
    this.calls.push(part);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("store down");
    }
    if (this.mode === "fail") throw new Error("store down");
    if (this.mode === "defer") {
      await new Promise<void>((resolve, reject) => this.deferred.push({ part, resolve, reject }));
    }
    this.stored.set(`${part.iccid}|${part.pdu}`, part);
  };
}

interface Port {
  modem: SimulatedModem;
  channel: AtChannel;
  store: FakeStore;
  receiver: SmsReceiver;
  commands: string[];
  messages: CompleteSms[];
}

describe("SmsReceiver", () => {
  let pool: SimulatedPool | undefined;
  const receivers: SmsReceiver[] = [];
  const channels: AtChannel[] = [];

  afterEach(async () => {
    for (const r of receivers.splice(0)) r.stop();
    for (const c of channels.splice(0)) await c.close();
    await pool?.close();
    pool = undefined;
  });

  interface RigOptions {
    count?: number;
    dialect?: SimDialect;
    smsCapacity?: number;
    driver?: DriverDescriptor;
    receiver?: Partial<SmsReceiverOptions>;
    channel?: AtChannelOptions;
    /** Run start() (default true). */
    start?: boolean;
  }

  async function rig(o: RigOptions = {}): Promise<Port[]> {
    const dialect = o.dialect ?? "generic";
    const driver = o.driver ?? simDriver;
    const profiles = generatePool({ count: o.count ?? 1, dialect, seed: "sms-receiver" });
    if (o.smsCapacity) for (const p of profiles) p.sim.smsCapacity = o.smsCapacity;
    pool = await startSimulatedPool({ count: profiles.length, dialect, seed: 1, attach: "in-process", profiles });
    const ports: Port[] = [];
    for (const [i, m] of pool.modems.entries()) {
      const port = await openBytePort({ path: m.path, binding: pool.binding! });
      const channel = new AtChannel(port, { defaultTimeoutMs: 500, resyncTimeoutMs: 200, resyncAttempts: 1, resyncSettleMs: 10, ...o.channel });
      channels.push(channel);
      // What the port session's init does before the receiver starts: echo off, PDU mode, CNMI from the driver chain.
      for (const cmd of ["ATE0", "AT+CMGF=0", driver.cnmiChain[0]!]) await channel.run(cmd);
      const store = new FakeStore();
      const modem = m.modem;
      const receiver = new SmsReceiver(channel, {
        portId: `port${i}`,
        iccid: () => (modem.sim ? modem.profile.sim.iccid : null),
        driver,
        accept: store.accept,
        // Long intervals: tests call sweep() or shorten these where the timer is the point.
        sweepIntervalMs: 600_000,
        retryDelayMs: 600_000,
        ...o.receiver,
      });
      receivers.push(receiver);
      const commands: string[] = [];
      modem.activity.on("command", (line) => commands.push(line));
      const messages: CompleteSms[] = [];
      receiver.on("message", (sms) => messages.push(sms));
      ports.push({ modem, channel, store, receiver, commands, messages });
    }
    if (o.start !== false) await Promise.all(ports.map((p) => p.receiver.start()));
    return ports;
  }

  const sm = (m: SimulatedModem) => m.storage("SM")!.used;

  it("reads a +CMTI SMS at once and deletes it only after accept resolved (ME chosen by the generic driver)", async () => {
    const [p] = await rig({ driver: genericDriver });
    const { modem, store, receiver, commands } = p!;
    expect(commands).toContain('AT+CPMS="ME","ME","ME"');
    store.mode = "defer";
    const message = nextEvent<CompleteSms>(receiver, "message");
    const [index] = modem.injectSms({ sender: "+79161234567", text: "Your code is 4711" });
    await until(() => store.calls.length === 1, "the hand-off");
    const part = store.calls[0]!;
    expect(part).toMatchObject({ portId: "port0", iccid: modem.profile.sim.iccid, memory: "ME", index, tpduLength: expect.any(Number) });
    expect(part.decoded).toMatchObject({ type: "deliver", sender: "+79161234567", text: "Your code is 4711" });
    // accept has not resolved: the SMS must still be on the modem and no delete was sent.
    expect(modem.storage("ME")!.used).toBe(1);
    expect(commands.some((c) => c.includes("+CMGD"))).toBe(false);
    store.deferred[0]!.resolve();
    await until(() => receiver.stats.deleted === 1, "the delete");
    expect(modem.storage("ME")!.used).toBe(0);
    // The memory select rides on the same line as every read and delete (one round trip).
    expect(commands.indexOf(`AT+CPMS="ME";+CMGD=${index}`)).toBeGreaterThan(commands.indexOf(`AT+CPMS="ME";+CMGR=${index}`));
    expect(await message).toMatchObject({ sender: "+79161234567", text: "Your code is 4711", missingParts: [], iccid: modem.profile.sim.iccid });
    expect(receiver.stats).toMatchObject({ received: 1, accepted: 1, acceptFailures: 0, deleted: 1, undecodable: 0, duplicatesSkipped: 0, directUnacked: 0 });
  });

  it("a sweep lists with the memory select on the same line and takes its +CPMS line for what it is (no 'not understood' warning)", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (l: string) => void lines.push(l) });
    const [p] = await rig({ receiver: { logger } });
    const { modem, store, receiver } = p!;
    store.mode = "fail";
    modem.injectSms({ sender: "+4915112345678", text: "listed by the sweep" });
    await until(() => receiver.stats.acceptFailures === 1, "the failed hand-off");
    store.mode = "ok";
    await receiver.sweep();
    expect(store.stored.size).toBe(1);
    expect(lines.filter((l) => l.includes("not understood"))).toEqual([]);
  });

  it("keeps an SMS on the SIM when accept fails, and hands it off again on the next sweep", async () => {
    const [p] = await rig();
    const { modem, store, receiver } = p!;
    store.mode = "fail";
    modem.injectSms({ sender: "+4915112345678", text: "123456 is your code" });
    await until(() => receiver.stats.acceptFailures === 1, "the failed hand-off");
    expect(sm(modem)).toBe(1);
    expect(receiver.stats.deleted).toBe(0);
    store.mode = "ok";
    await receiver.sweep();
    expect(store.stored.size).toBe(1);
    expect(sm(modem)).toBe(0);
    expect(receiver.stats).toMatchObject({ received: 2, accepted: 1, acceptFailures: 1, deleted: 1 });
    expect(p!.messages).toHaveLength(1);
  });

  it("retries a failed hand-off by itself after retryDelayMs", async () => {
    const [p] = await rig({ receiver: { retryDelayMs: 20 } });
    const { modem, store, receiver } = p!;
    store.failNext = 2;
    modem.injectSms({ sender: "+4915112345678", text: "retry me" });
    await until(() => receiver.stats.deleted === 1, "the eventual delete");
    expect(receiver.stats.acceptFailures).toBe(2);
    expect(sm(modem)).toBe(0);
  });

  it("a sweep skips the slot a +CMTI read is handing off: one accept, one delete", async () => {
    const [p] = await rig();
    const { modem, store, receiver, commands } = p!;
    store.mode = "defer";
    const [index] = modem.injectSms({ sender: "+79161234567", text: "only once" });
    await until(() => store.calls.length === 1, "the +CMTI hand-off");
    await receiver.sweep(); // lists the same slot while its hand-off is pending
    expect(commands.filter((c) => c.endsWith("+CMGL=4")).length).toBeGreaterThan(1);
    expect(store.calls).toHaveLength(1);
    store.deferred[0]!.resolve();
    await until(() => receiver.stats.deleted === 1, "the delete");
    await receiver.sweep();
    expect(store.calls).toHaveLength(1);
    expect(commands.filter((c) => c.endsWith(`+CMGD=${index}`))).toHaveLength(1);
  });

  it("picks up SMS stored while nobody listened, reassembling parts stored out of order", async () => {
    const [p] = await rig({ start: false });
    const { modem, store, receiver, messages } = p!;
    const text = "Ваш код подтверждения: 918273. Никому не сообщайте этот код, даже сотрудникам банка. Код действует 10 минут.";
    const parts = encodeDeliver({ sender: "Sberbank", text, timestamp: new Date("2024-05-01T10:00:00Z"), concatRef: 77 });
    expect(parts.length).toBeGreaterThan(1);
    for (const part of [...parts].reverse()) modem.storage("SM")!.store({ stat: 0, pdu: part.hex.toUpperCase(), tpduLength: part.tpduLength });
    await receiver.start();
    expect(store.stored.size).toBe(parts.length);
    expect(sm(modem)).toBe(0);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toBe(text);
    expect(messages[0]!.missingParts).toEqual([]);
    expect(messages[0]!.parts.map((x) => x.decoded?.concat?.seq)).toEqual(parts.map((_, i) => i + 1));
  });

  it("reassembles a long SMS arriving by +CMTI into one message, accepting each part on its own", async () => {
    const [p] = await rig();
    const { modem, store, receiver } = p!;
    const text = "Code 5521. ".repeat(40);
    const message = nextEvent<CompleteSms>(receiver, "message");
    const indexes = modem.injectSms({ sender: "+79001112233", text });
    expect(indexes.length).toBeGreaterThan(2);
    expect((await message).text).toBe(text);
    await until(() => receiver.stats.deleted === indexes.length, "every part deleted");
    expect(store.calls).toHaveLength(indexes.length);
  });

  it("delivers a multipart SMS incomplete, missing parts named, after the reassembly timeout", async () => {
    const [p] = await rig({ start: false, receiver: { reassemblyTimeoutMs: 50 } });
    const { modem, receiver } = p!;
    const parts = encodeDeliver({ sender: "+79001112233", text: "x".repeat(400), timestamp: new Date(), concatRef: 9 });
    expect(parts.length).toBe(3);
    for (const i of [0, 2]) modem.storage("SM")!.store({ stat: 0, pdu: parts[i]!.hex.toUpperCase(), tpduLength: parts[i]!.tpduLength });
    const message = nextEvent<CompleteSms>(receiver, "message");
    await receiver.start();
    const sms = await message;
    expect(sms.missingParts).toEqual([2]);
    expect(sms.parts).toHaveLength(2);
    expect(sms.text).toContain("[part 2/3 missing]");
  });

  it("hands off an undecodable PDU raw (decoded: null) instead of dropping it", async () => {
    const [p] = await rig({ start: false });
    const { modem, store, receiver } = p!;
    const junk = "0791448720003023440C91449703529600"; // truncated after the sender address
    modem.storage("SM")!.store({ stat: 0, pdu: junk, tpduLength: 40 });
    await receiver.start();
    expect(store.calls).toHaveLength(1);
    expect(store.calls[0]).toMatchObject({ pdu: junk, decoded: null, memory: "SM" });
    expect(receiver.stats).toMatchObject({ undecodable: 1, deleted: 1 });
    expect(sm(modem)).toBe(0);
  });

  it("keeps a +CMT (direct) part in memory and retries accept with backoff until it resolves", async () => {
    const [p] = await rig({ receiver: { directRetryMs: 10 } });
    const { modem, channel, store, receiver, commands } = p!;
    await channel.run("AT+CNMI=2,2,0,0,0");
    store.failNext = 2;
    const message = nextEvent<CompleteSms>(receiver, "message");
    expect(modem.injectSms({ sender: "+380501234567", text: "direct 3344" })).toEqual([]);
    await until(() => receiver.stats.acceptFailures >= 1, "the first failure");
    expect(receiver.stats.directUnacked).toBe(1);
    expect(receiver.pendingDirect[0]).toMatchObject({ memory: "direct", index: null });
    await until(() => store.stored.size === 1, "the accepted direct part");
    expect(receiver.stats).toMatchObject({ received: 1, accepted: 1, acceptFailures: 2, directUnacked: 0, deleted: 0 });
    expect((await message).text).toBe("direct 3344");
    expect(commands.some((c) => /^AT\+CMG[RD]/.test(c))).toBe(false);
  });

  it("storage full: warns, and a sweep that frees room lets the held SMS arrive", async () => {
    const [p] = await rig({ smsCapacity: 3 });
    const { modem, store, receiver } = p!;
    store.mode = "fail";
    for (let i = 0; i < 3; i++) modem.injectSms({ sender: "+79160000000", text: `code ${i}` });
    await until(() => receiver.stats.acceptFailures === 3, "three failed hand-offs");
    expect(modem.storage("SM")!.full).toBe(true);
    expect(modem.injectSms({ sender: "+79160000000", text: "held by the network" })).toEqual([]);
    const warning = nextEvent(receiver, "storage-warning");
    store.mode = "ok";
    await receiver.sweep();
    expect(await warning).toEqual({ memory: "SM", used: 3, total: 3 });
    await until(() => store.stored.size === 4, "the held SMS accepted");
    await until(() => sm(modem) === 0, "storage empty");
    expect([...store.stored.values()].map((x) => x.decoded?.text)).toContain("held by the network");
  });

  it("Huawei ^SMMEMFULL makes the receiver sweep by itself", async () => {
    const [p] = await rig({ dialect: "huawei", driver: { ...huaweiDriver, storage: { preferred: ["SM"] } }, smsCapacity: 2 });
    const { modem, store, receiver } = p!;
    store.mode = "fail";
    modem.injectSms({ sender: "+79160000000", text: "one" });
    modem.injectSms({ sender: "+79160000000", text: "two" });
    await until(() => receiver.stats.acceptFailures === 2, "two failed hand-offs");
    store.mode = "ok";
    // Full: the network holds this one and the stick says ^SMMEMFULL instead of +CMTI.
    expect(modem.injectSms({ sender: "+79160000000", text: "three" })).toEqual([]);
    await until(() => store.stored.size === 3, "all three accepted without a manual sweep");
    await until(() => sm(modem) === 0, "storage empty");
  });

  it("selects the memory a +CMTI names (ME) before AT+CMGR while reading SM (chan_dongle #31)", async () => {
    const [p] = await rig();
    const { modem, channel, store, receiver, commands } = p!;
    // Something (a modem reset, another tool) made the module store new SMS in ME.
    await channel.run('AT+CPMS="SM","SM","ME"');
    const [index] = modem.injectSms({ sender: "+79161234567", text: "stored in ME" });
    await until(() => receiver.stats.deleted === 1, "the delete");
    // Selected on the read's own command line: nothing can run between the select and the read.
    expect(commands).toContain(`AT+CPMS="ME";+CMGR=${index}`);
    expect(store.calls[0]).toMatchObject({ memory: "ME", index });
    expect(modem.storage("ME")!.used).toBe(0);
  });

  it("recovers a dropped AT+CMGR reply through the retry sweep", async () => {
    const [p] = await rig({ receiver: { retryDelayMs: 20 }, channel: { defaultTimeoutMs: 200 } });
    const { modem, channel, store } = p!;
    modem.faults.dropNext(1);
    modem.injectSms({ sender: "+79161234567", text: "reply dropped" });
    await until(() => store.stored.size === 1, "the hand-off after the timeout");
    await until(() => sm(modem) === 0, "the delete");
    expect(channel.stats.timeouts).toBe(1);
  });

  it("gets every SMS through with junk bytes in front of every reply", async () => {
    const [p] = await rig();
    const { modem, store, receiver, channel } = p!;
    modem.faults.garbageProbability = 1;
    for (let i = 0; i < 3; i++) modem.injectSms({ sender: "+79161234567", text: `garbled ${i}` });
    await until(() => receiver.stats.deleted === 3, "three deletes");
    await receiver.sweep();
    expect(store.stored.size).toBe(3);
    expect(sm(modem)).toBe(0);
    expect(channel.stats.discardedBytes + channel.stats.unhandledLines).toBeGreaterThan(0);
  });

  it("stops quietly when the modem is unplugged mid-read: nothing handed off, nothing deleted", async () => {
    const rejections: unknown[] = [];
    const onRejection = (r: unknown) => rejections.push(r);
    process.on("unhandledRejection", onRejection);
    try {
      const [p] = await rig();
      const { modem, store, receiver, commands } = p!;
      const errors: Error[] = [];
      receiver.on("error", (e) => errors.push(e));
      modem.faults.latencyMs = 100;
      modem.injectSms({ sender: "+79161234567", text: "never read" });
      await until(() => commands.some((c) => c.includes("+CMGR")), "the read on the wire");
      modem.unplug();
      await until(() => !receiver.running, "the receiver to stop");
      await receiver.sweep(); // a no-op now, and must not throw
      expect(store.calls).toHaveLength(0);
      expect(sm(modem)).toBe(1);
      expect(errors).toEqual([]);
      await new Promise((r) => setImmediate(r));
      expect(rejections).toEqual([]);
    } finally {
      process.off("unhandledRejection", onRejection);
    }
  });

  it("does not delete when the modem vanishes while accept runs", async () => {
    const [p] = await rig();
    const { modem, store, receiver, commands } = p!;
    store.mode = "defer";
    modem.injectSms({ sender: "+79161234567", text: "accepted, never deleted" });
    await until(() => store.calls.length === 1, "the hand-off");
    modem.unplug();
    await until(() => !receiver.running, "the receiver to stop");
    store.deferred[0]!.resolve();
    await until(() => receiver.stats.accepted === 1, "accept to finish");
    expect(receiver.stats.deleted).toBe(0);
    expect(commands.some((c) => c.includes("+CMGD"))).toBe(false);
    expect(sm(modem)).toBe(1);
  });

  it("SIM pulled during a hand-off: no delete on the wrong card; re-inserted, the SMS is handed off again and counted as a duplicate", async () => {
    const [p] = await rig();
    const { modem, store, receiver, messages } = p!;
    store.mode = "defer";
    modem.injectSms({ sender: "+79161234567", text: "sim pulled" });
    await until(() => store.calls.length === 1, "the hand-off");
    const iccid = store.calls[0]!.iccid;
    modem.pullSim();
    store.deferred[0]!.resolve();
    await until(() => receiver.stats.accepted === 1, "accept to finish");
    await receiver.sweep(); // SM is gone with the card: CMS errors, logged, no throw
    expect(receiver.running).toBe(true);
    expect(receiver.stats.deleted).toBe(0);
    modem.insertSim();
    store.mode = "ok";
    await receiver.sweep();
    expect(receiver.stats).toMatchObject({ accepted: 2, duplicatesSkipped: 1, deleted: 1 });
    expect(store.stored.size).toBe(1);
    expect(store.calls[1]!.iccid).toBe(iccid);
    expect(sm(modem)).toBe(0);
    expect(messages).toHaveLength(1);
  });

  it("a hung modem does not hold up another port's receiver", async () => {
    const [a, b] = await rig({ count: 2, channel: { defaultTimeoutMs: 150 } });
    a!.modem.faults.hang = true;
    a!.modem.injectSms({ sender: "+79160000001", text: "to the hung one" });
    const hungSweep = a!.receiver.sweep();
    b!.modem.injectSms({ sender: "+79160000002", text: "to the healthy one" });
    await until(() => b!.store.stored.size === 1, "the healthy port's hand-off");
    await hungSweep; // times out inside, resolves
    expect(a!.store.calls).toHaveLength(0);
    expect(a!.receiver.running).toBe(true);
    b!.modem.injectSms({ sender: "+79160000002", text: "second" });
    await until(() => b!.store.stored.size === 2, "the healthy port's second hand-off");
    a!.modem.faults.hang = false;
    await a!.receiver.sweep();
    expect(a!.store.stored.size).toBe(1);
    expect(sm(a!.modem)).toBe(0);
  });

  describe("indications-lost: a sweep finds an SMS that never had a +CMTI", () => {
    /** Every indications-lost event of `receiver`. */
    const lostEvents = (receiver: SmsReceiver) => {
      const events: LostIndications[] = [];
      receiver.on("indications-lost", (e) => events.push(e));
      return events;
    };

    it("reports it once the module stopped indicating, with the slot; the first sweep's finds (stored while nobody listened) are no sign", async () => {
      const warnings: string[] = [];
      const logger = pino({ level: "warn" }, { write: (l: string) => void warnings.push(l) });
      const [p] = await rig({ start: false, receiver: { logger } });
      const { modem, channel, store, receiver } = p!;
      const events = lostEvents(receiver);
      modem.injectSms({ sender: "+4915112345678", text: "stored before we listened" });
      await receiver.start();
      expect(store.stored.size).toBe(1);
      expect(events).toEqual([]);
      await channel.run("AT+CNMI=2,0,0,0,0"); // what a silent reset does on a module that powers on without indications
      const [index] = modem.injectSms({ sender: "+4915112345678", text: "never indicated" });
      await receiver.sweep();
      expect(store.stored.size).toBe(2);
      expect(events).toEqual([{ slots: [{ memory: "SM", index }] }]);
      // Each find is reported to the owner (who turns indications on again); the log says it once.
      const [again] = modem.injectSms({ sender: "+4915112345678", text: "still not indicated" });
      await receiver.sweep();
      expect(events).toHaveLength(2);
      expect(events[1]).toEqual({ slots: [{ memory: "SM", index: again }] });
      const logged = warnings.map((l) => JSON.parse(l) as { msg: string; port: string }).filter((w) => /never had a \+CMTI/.test(w.msg));
      expect(logged).toHaveLength(1);
      expect(logged[0]!.port).toBe("port0");
    });

    it("an indicated SMS the sweep takes after a failed hand-off or read is no sign", async () => {
      const [p] = await rig();
      const { modem, store, receiver } = p!;
      const events = lostEvents(receiver);
      store.mode = "fail";
      modem.injectSms({ sender: "+4915112345678", text: "hand-off failed once" });
      await until(() => receiver.stats.acceptFailures === 1, "the failed hand-off");
      store.mode = "ok";
      await receiver.sweep();
      expect(store.stored.size).toBe(1);
      modem.faults.dropNext(1); // the +CMTI read's reply is lost: the SMS stays for the sweep
      modem.injectSms({ sender: "+4915112345678", text: "read failed once" });
      await until(() => receiver.stats.received === 2 || store.stored.size === 2 || modem.snapshot().faults.dropNextCount === 0, "the lost read");
      await receiver.sweep();
      await until(() => store.stored.size === 2, "the sweep to take it");
      expect(events).toEqual([]);
    });

    it("an SMS stored while nobody listened, whose hand-off failed at the first sweep, is no sign when a later sweep takes it", async () => {
      const [p] = await rig({ start: false });
      const { modem, channel, store, receiver } = p!;
      const events = lostEvents(receiver);
      // Stored with no +CMTI at all (as while the daemon was down), then the indications come back.
      await channel.run("AT+CNMI=2,0,0,0,0");
      modem.injectSms({ sender: "+4915112345678", text: "stored before we listened" });
      await channel.run("AT+CNMI=2,1,0,0,0");
      store.mode = "fail";
      await receiver.start();
      expect(receiver.stats.acceptFailures).toBe(1);
      store.mode = "ok";
      await receiver.sweep();
      expect(store.stored.size).toBe(1);
      expect(events).toEqual([]);
    });

    it("an SMS stored while the sweep lists, whose +CMTI comes right behind the listing, is no sign", async () => {
      const [p] = await rig();
      const { modem, store, receiver } = p!;
      const events = lostEvents(receiver);
      // Stored as the module takes the list command: listed, and its +CMTI held behind the reply.
      const storeDuringList = (line: string) => {
        if (!line.endsWith("+CMGL=4")) return;
        modem.activity.off("command", storeDuringList);
        modem.injectSms({ sender: "+4915112345678", text: "stored during the list" });
      };
      modem.activity.on("command", storeDuringList);
      await receiver.sweep();
      await until(() => store.stored.size === 1, "the SMS");
      await receiver.sweep();
      expect(events).toEqual([]);
    });
  });

  it("sweeps on its interval and clears every timer on stop()", async () => {
    const [p] = await rig({ receiver: { sweepIntervalMs: 30 } });
    const { modem, channel, store, receiver, commands } = p!;
    // No indication at all: only the periodic sweep can find this SMS.
    await channel.run("AT+CNMI=2,0,0,0,0");
    modem.injectSms({ sender: "+79161234567", text: "found by the sweep" });
    await until(() => store.stored.size === 1 && sm(modem) === 0, "the sweep to find it");
    receiver.stop();
    expect(receiver.running).toBe(false);
    const before = commands.length;
    modem.injectSms({ sender: "+79161234567", text: "after stop" });
    await channel.run("AT"); // a round trip: anything the receiver had queued would be on the wire by now
    expect(commands.slice(before)).toEqual(["AT"]);
  });
});
