/**
 * Decode throughput of the PDU codec on a mixed corpus (single core, in-process): GSM 7-bit,
 * UCS2 with emoji, alphanumeric senders, concatenated parts with 8/16-bit references, a
 * national-language part, status reports and SUBMITs. Bounded to about 2 s.
 */
import { decodePdu, decodeUssd, encodeDeliver, encodeSubmit } from "../src/codec/index.js";
import type { BenchResult } from "./result.js";

function corpus(): { hex: string; tpduLength: number }[] {
  const ts = new Date("2024-05-01T10:00:00Z");
  const out: { hex: string; tpduLength: number }[] = [];
  out.push(...encodeDeliver({ sender: "+79161234567", text: "Your code is 123456", timestamp: ts, tzQuarterHours: 12, smsc: "+79168999100" }));
  out.push(...encodeDeliver({ sender: "Instagram", text: "Код подтверждения: 4821 😀", timestamp: ts }));
  out.push(...encodeDeliver({ sender: "Telegram", text: "Login code: 55555. Do not give this code to anyone, even if they say they are from Telegram! ".repeat(3), timestamp: ts, refWidth: 16 }));
  out.push(...encodeDeliver({ sender: "900", text: "Баланс: 100 руб. ".repeat(6), timestamp: ts, tzQuarterHours: -20 }));
  out.push(...encodeSubmit({ recipient: "+4915783647410", text: "[ok] {€} ~ ^ | \\", requestStatusReport: true }));
  // SMS-STATUS-REPORT, delivered (hand-assembled per 23.040 §9.2.2.3).
  out.push({ hex: "0006D60B911326880736F4111011719551401110117195714000", tpduLength: 25 });
  return out;
}

export async function benchCodec(): Promise<BenchResult[]> {
  const pdus = corpus();
  // Warm up the JIT so the number reflects steady state.
  for (let i = 0; i < 2000; i++) decodePdu(pdus[i % pdus.length]!.hex);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) {
    for (const p of pdus) {
      const r = decodePdu(p.hex, { tpduLength: p.tpduLength });
      if (!r.ok) throw new Error(`bench corpus PDU failed to decode: ${r.error.reason}`);
      n++;
    }
  }
  const pduPerSecond = n / ((performance.now() - start) / 1000);

  const ussd: [string, number | null][] = [
    ["0414043B044F00200441043F044004300432043A04380020043E002004310430043B0430043D0441", 72],
    ["49B41C74ACD3D16171D90D32FBE52072BA0C72CA5DB45CAC76C3CD6CB41B2D", 15],
    ["Available Balance: R 96.45 .", 15],
  ];
  let m = 0;
  const s2 = performance.now();
  while (performance.now() - s2 < 400) {
    for (const [raw, dcs] of ussd) {
      decodeUssd(raw, dcs);
      m++;
    }
  }
  const ussdPerSecond = m / ((performance.now() - s2) / 1000);
  return [
    { name: "codec decode PDU (mixed corpus)", value: pduPerSecond, unit: "PDU/s", note: `${pdus.length} PDUs: gsm7, ucs2+emoji, alphanumeric, 8/16-bit concat, submit, status report` },
    { name: "codec decode USSD (mixed)", value: ussdPerSecond, unit: "replies/s", note: "UCS2 hex, packed 7-bit hex, plain text" },
  ];
}
