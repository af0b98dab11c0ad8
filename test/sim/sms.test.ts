import { afterEach, describe, expect, it } from "vitest";
import { decodePdu } from "../../src/codec/index.js";
import type { SimDialect } from "../../src/sim/profile.js";
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
