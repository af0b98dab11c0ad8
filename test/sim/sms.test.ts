import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { decodePdu } from "../../src/codec/index.js";
import type { SimDialect } from "../../src/sim/profile.js";
import { SimulatedModem } from "../../src/sim/simulated-modem.js";
import { firstConcatRef } from "../../src/sim/sms-inbox.js";
import { profileFor, rig, type Rig } from "./helpers.js";

let current: Rig | null = null;
afterEach(async () => {
  await current?.close();
  current = null;
});

async function start(dialect: SimDialect = "simcom", mutate?: (p: ReturnType<typeof profileFor>) => void) {
  const p = profileFor(dialect);
  mutate?.(p);
  current = await rig(p);
  await current.host.cmd("AT+CMEE=1");
  return current;
}

const WHEN = new Date("2026-03-01T10:20:30Z");

/** <length> of +CMGR/+CMGL is the TPDU octet count: everything after the SMSC field. */
function tpduOctets(pdu: string): number {
  return pdu.length / 2 - (parseInt(pdu.slice(0, 2), 16) + 1);
}

function decoded(pdu: string) {
  const out = decodePdu(pdu);
  if (!out.ok || out.message.type !== "deliver") throw new Error(`not a DELIVER: ${pdu}`);
  return out.message;
}

describe("incoming SMS", () => {
  it("inject stores a real SMS-DELIVER, raises +CMTI, AT+CMGR returns it with the right <length>", async () => {
    const { host, modem, profile } = await start("simcom");
    host.received = "";
    expect(modem.injectSms({ sender: "+79161234567", text: "Your code is 4821 — €[]", timestamp: WHEN })).toEqual([1]);
    expect(await host.waitFor((t) => t.includes("+CMTI"))).toBe('\r\n+CMTI: "SM",1\r\n');
    const [header, pdu, ok] = await host.lines("AT+CMGR=1");
    expect(ok).toBe("OK");
    const length = Number(/^\+CMGR: 0,,(\d+)$/.exec(header ?? "")?.[1]);
    expect(length).toBe(tpduOctets(pdu ?? ""));
    const sms = decoded(pdu ?? "");
    expect(sms).toMatchObject({ sender: "+79161234567", text: "Your code is 4821 — €[]", smsc: profile.sim.smsc });
    expect(new Date(sms.timestamp ?? "").getTime()).toBe(WHEN.getTime());
    // Read once: now "received read".
    expect((await host.lines("AT+CMGR=1"))[0]).toBe(`+CMGR: 1,,${length}`);
  });

  it("AT+CMGL lists by status, AT+CMGD deletes, =? shows the used indexes", async () => {
    const { host, modem } = await start("quectel");
    modem.injectSms({ sender: "Telegram", text: "Код: 12345" });
    modem.injectSms({ sender: "+491511234567", text: "hello" });
    await host.cmd("AT+CMGR=1");
    const unread = await host.lines("AT+CMGL=0");
    expect(unread.filter((l) => l.startsWith("+CMGL:"))).toEqual([expect.stringMatching(/^\+CMGL: 2,0,,\d+$/)]);
    const all = await host.lines("AT+CMGL=4");
    // Listing unread marked message 2 read as well.
    expect(all.filter((l) => l.startsWith("+CMGL:")).map((l) => l.split(",").slice(0, 2).join(","))).toEqual(["+CMGL: 1,1", "+CMGL: 2,1"]);
    expect(decoded(all[1] ?? "").sender).toBe("Telegram");
    expect(await host.lines("AT+CMGD=?")).toEqual(["+CMGD: (1,2),(0-4)", "OK"]);
    expect(await host.lines("AT+CMGD=1")).toEqual(["OK"]);
    expect(await host.lines("AT+CMGR=1")).toEqual(["+CMS ERROR: 321"]);
    expect(await host.lines("AT+CMGD=1,4")).toEqual(["OK"]);
    expect(await host.lines("AT+CPMS?")).toEqual([expect.stringMatching(/^\+CPMS: "SM",0,\d+,"SM",0,\d+,"SM",0,\d+$/), "OK"]);
  });

  it("a long text is stored as concatenated parts, each its own index", async () => {
    const { host, modem } = await start("generic");
    const text = "Длинное сообщение ".repeat(10);
    const indexes = modem.injectSms({ sender: "+79031234567", text });
    expect(indexes).toEqual([1, 2, 3]);
    await host.waitFor((t) => t.includes('+CMTI: "SM",3'));
    const all = await host.lines("AT+CMGL=4");
    const parts = [1, 3, 5].map((i) => decoded(all[i] ?? ""));
    expect(parts.map((p) => p.concat?.seq)).toEqual([1, 2, 3]);
    expect(parts.map((p) => p.text).join("")).toBe(text);
  });

  it("AT+CNMI=2,2 delivers directly as +CMT: ,<len> + PDU and stores nothing", async () => {
    const { host, modem } = await start("simcom");
    await host.cmd("AT+CNMI=2,2,0,0,0");
    host.received = "";
    expect(modem.injectSms({ sender: "+79161234567", text: "direct" })).toEqual([]);
    const out = await host.waitFor((t) => /\+CMT: ,\d+\r\n[0-9A-F]+\r\n$/.test(t));
    const m = /^\r\n\+CMT: ,(\d+)\r\n([0-9A-F]+)\r\n$/.exec(out);
    expect(Number(m?.[1])).toBe(tpduOctets(m?.[2] ?? ""));
    expect(decoded(m?.[2] ?? "").text).toBe("direct");
    expect(modem.storage("SM")?.used).toBe(0);
  });

  it("Huawei stays silent until the host sets +CNMI (stored anyway)", async () => {
    const { host, modem } = await start("huawei");
    host.received = "";
    expect(modem.injectSms({ sender: "+79161234567", text: "quiet" })).toEqual([1]);
    await expect(host.waitFor((t) => t.includes("+CMTI"), 150)).rejects.toThrow(/timed out/);
    await host.cmd("AT+CNMI=2,1,0,0,0");
    host.received = "";
    modem.injectSms({ sender: "+79161234567", text: "loud" });
    await host.waitFor((t) => t.includes('+CMTI: "SM",2'));
  });

  it("AT+CPMS=\"ME\",\"ME\",\"ME\" routes incoming SMS to the module memory", async () => {
    const { host, modem } = await start("quectel");
    expect(await host.lines('AT+CPMS="ME","ME","ME"')).toEqual([expect.stringMatching(/^\+CPMS: 0,255,0,255,0,255$/), "OK"]);
    host.received = "";
    modem.injectSms({ sender: "+79161234567", text: "to ME" });
    await host.waitFor((t) => t.includes('+CMTI: "ME",1'));
    expect(modem.storage("ME")?.used).toBe(1);
  });

  it("text mode shows the header and text", async () => {
    const { host, modem } = await start("simcom", (p) => (p.network.tzQuarterHours = 12));
    modem.injectSms({ sender: "+79161234567", text: "Hello {world}", timestamp: WHEN });
    await host.cmd("AT+CMGF=1");
    expect(await host.lines("AT+CMGR=1")).toEqual(['+CMGR: "REC UNREAD","+79161234567",,"26/03/01,13:20:30+12"', "Hello {world}", "OK"]);
  });
});

describe("storage full", () => {
  it.each(["simcom", "huawei"] as const)("%s: AT+CMGW gives +CMS ERROR: 322 when full; incoming SMS wait and arrive after a delete", async (dialect) => {
    const { host, modem } = await start(dialect, (p) => (p.sim.smsCapacity = 2));
    await host.cmd("AT+CNMI=2,1,0,0,0");
    const pdu = "0011000B919761214365F70000AA05E8329BFD06"; // SUBMIT "hello" to +79161234567
    const write = async () => {
      host.received = "";
      await host.port.write(`AT+CMGW=${pdu.length / 2 - 1}\r`);
      await host.waitFor((t) => t.endsWith("> "));
      return host.cmd(`${pdu}\x1a`).then(() => host.received);
    };
    expect(await write()).toMatch(/\+CMGW: 1\r\n\r\nOK\r\n$/);
    expect(await write()).toMatch(/\+CMGW: 2\r\n\r\nOK\r\n$/);
    expect(await write()).toMatch(/\r\n\+CMS ERROR: 322\r\n$/);

    host.received = "";
    expect(modem.injectSms({ sender: "+79161234567", text: "waiting" })).toEqual([]);
    if (dialect === "huawei") expect(await host.waitFor((t) => t.includes("^SMMEMFULL"))).toBe('\r\n^SMMEMFULL: "SM"\r\n');
    expect(host.received).not.toContain("+CMTI");
    expect(modem.snapshot().heldSms).toBe(1);
    // The freed slot takes the held message at once: OK, then its +CMTI.
    expect(await host.cmd("AT+CMGD=1", /\+CMTI: "SM",1\r\n$/)).toBe('\r\nOK\r\n\r\n+CMTI: "SM",1\r\n');
    expect(modem.snapshot().heldSms).toBe(0);
  });
});

describe("sending", () => {
  it("AT+CMGS takes the PDU after the > prompt and answers +CMGS: <mr>", async () => {
    const { host, modem } = await start("quectel");
    const pdu = "0011000B919761214365F70000AA05E8329BFD06";
    host.received = "";
    await host.port.write(`AT+CMGS=${pdu.length / 2 - 1}\r`);
    expect(await host.waitFor((t) => t.endsWith("> "))).toBe("\r\n> ");
    expect(await host.cmd(`${pdu}\x1a`)).toBe("\r\n+CMGS: 1\r\n\r\nOK\r\n");
    expect(modem.sent).toEqual([pdu]);
    // A wrong <length> is refused.
    host.received = "";
    await host.port.write("AT+CMGS=10\r");
    await host.waitFor((t) => t.endsWith("> "));
    expect(await host.cmd(`${pdu}\x1a`)).toBe("\r\n+CMS ERROR: 304\r\n");
  });
});

describe("URCs while a command runs (issue 14)", () => {
  it.each([0, 30])("an SMS arriving while AT+CMGD runs takes the slot it frees, its +CMTI right behind the OK in the same chunk (reply latency %i ms)", async (latencyMs) => {
    const { host, modem } = await start("generic");
    await host.cmd("AT+CNMI=2,1,0,0,0");
    modem.faults.latencyMs = latencyMs;
    expect(modem.injectSms({ sender: "+79161234567", text: "first" })).toEqual([1]);
    await host.waitFor((t) => t.includes('+CMTI: "SM",1'));
    const chunks: string[] = [];
    host.port.on("data", (c: Buffer) => chunks.push(c.toString("latin1")));
    let stored: number[] = [];
    modem.activity.once("executed", (line) => {
      // The network delivers the next SMS the moment the delete has freed slot 1.
      if (line.includes("+CMGD")) stored = modem.injectSms({ sender: "+79161234567", text: "second" });
    });
    await host.cmd("AT+CMGD=1", /\+CMTI: "SM",1\r\n$/);
    expect(stored).toEqual([1]);
    expect(chunks).toEqual(['\r\nOK\r\n\r\n+CMTI: "SM",1\r\n']);
    expect(decoded(modem.storage("SM")!.get(1)!.pdu).text).toBe("second");
  });

  it("a URC raised while a delayed reply is pending is not cut into it: it follows the final result", async () => {
    const { host, modem } = await start("generic");
    await host.cmd("AT+CNMI=2,1,0,0,0");
    modem.faults.latencyMs = 40;
    modem.activity.once("command", () => modem.injectSms({ sender: "+79161234567", text: "during AT+CSQ" }));
    const out = await host.cmd("AT+CSQ", /\+CMTI: "SM",1\r\n$/);
    expect(out).toMatch(/^\r\n\+CSQ: \d+,\d+\r\n\r\nOK\r\n\r\n\+CMTI: "SM",1\r\n$/);
  });
});

describe("status reports and class 3 routing", () => {
  it("AT+CNMI <ds>=2 stores a status report in SR and raises +CDSI; <mem1> \"SR\" reads and deletes it; <ds>=1 routes it as +CDS", async () => {
    const { host, modem } = await start("quectel");
    await host.cmd("AT+CNMI=2,1,0,2,0");
    host.received = "";
    expect(modem.injectStatusReport({ recipient: "+79161234567", messageRef: 42, dischargeTime: WHEN })).toBe(1);
    await host.waitFor((t) => t.includes('+CDSI: "SR",1'));
    const [cpms, header, pdu, ok] = await host.lines('AT+CPMS="SR";+CMGR=1');
    expect([cpms, ok]).toEqual([expect.stringMatching(/^\+CPMS: 1,\d+,/), "OK"]);
    expect(Number(/^\+CMGR: 0,,(\d+)$/.exec(header ?? "")?.[1])).toBe(tpduOctets(pdu ?? ""));
    const report = decodePdu(pdu ?? "");
    expect(report.ok && report.message).toMatchObject({ type: "status-report", messageRef: 42, recipient: "+79161234567" });
    expect(report.ok && report.message.type === "status-report" && new Date(report.message.dischargeTime ?? "").getTime()).toBe(WHEN.getTime());
    expect((await host.lines('AT+CPMS="SR";+CMGD=1')).at(-1)).toBe("OK");
    expect(modem.storage("SR")!.used).toBe(0);
    await host.cmd("AT+CNMI=2,1,0,1,0");
    host.received = "";
    expect(modem.injectStatusReport({ recipient: "+79161234567", messageRef: 43 })).toBeNull();
    await host.waitFor((t) => /\+CDS: \d+\r\n[0-9A-F]+\r\n$/.test(t));
    expect(modem.storage("SR")!.used).toBe(0);
  });

  it("AT+CNMI <mt>=3 routes a class 3 SMS as +CMT and stores the others with +CMTI", async () => {
    const { host, modem } = await start("simcom");
    await host.cmd("AT+CNMI=2,3,0,0,0");
    host.received = "";
    expect(modem.injectSms({ sender: "+79161234567", text: "class 3", messageClass: 3 })).toEqual([]);
    await host.waitFor((t) => /\+CMT: ,\d+\r\n[0-9A-F]+\r\n$/.test(t));
    expect(modem.injectSms({ sender: "+79161234567", text: "class 1", messageClass: 1 })).toEqual([1]);
    await host.waitFor((t) => t.includes('+CMTI: "SM",1'));
  });
});

describe("concatenation reference across restarts (issue 12)", () => {
  const firstRef = (clock: number, texts = 1): number[] => {
    const modem = new SimulatedModem(profileFor("generic"), { clock: () => clock });
    const refs: number[] = [];
    for (let i = 0; i < texts; i++) {
      const [index] = modem.injectSms({ sender: "Verify", text: `${i} `.repeat(200) });
      refs.push(decoded(modem.storage("SM")!.get(index!)!.pdu).concat!.ref);
      modem.storage("SM")!.deleteByFlag(4);
    }
    modem.close();
    return refs;
  };

  it("a restarted module does not start again at the reference of its last start", () => {
    const t = Date.parse("2026-11-30T18:11:11Z");
    const [before] = firstRef(t);
    // The same module (same profile, same seed), started again 1 s and 2 min later.
    expect(firstRef(t + 1000)[0]).not.toBe(before);
    expect(firstRef(t + 120_000)[0]).not.toBe(before);
    // Within one run the reference goes on from there.
    expect(firstRef(t, 3)).toEqual([before, (before! + 1) & 0xff, (before! + 2) & 0xff]);
  });

  it("starts 1..255 s apart never begin at the same reference", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 255 }), (seconds, apart) => {
        expect(firstConcatRef(7, seconds * 1000)).not.toBe(firstConcatRef(7, (seconds + apart) * 1000));
      }),
    );
  });
});
