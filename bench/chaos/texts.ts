/**
 * What the services text to the numbers the buyer ordered: the mix a SIM bank receives,
 * every message with a fresh code so a delivered text is matched to the one message it
 * came from (a swapped, truncated or wrongly joined text shows up as corrupted).
 * GSM 7-bit, GSM 7-bit with extension-table characters, UCS-2 (Cyrillic, emoji), and
 * long ones that travel as 2–4 part multipart SMS in either coding.
 */
import type { Rng } from "../../src/sim/rng.js";

const KINDS: Array<(code: string, s: string) => string> = [
  (c, s) => `${s} code: ${c}. Don't share it with anyone.`,
  (c, s) => `Your ${s} code is {${c}} [valid 10 min] ~ cost 0€ | ^_^`,
  (c, s) => `Ваш код ${s}: ${c}. Никому не сообщайте его.`,
  (c, s) => `<#> ${c} is your ${s} verification code 🔐`,
  (c, s) =>
    `${s}: your login code is ${c}. If you did not request it, someone may be trying to access your account; ` +
    `do not give this code to anyone, even if they say they are from ${s}. This message is long on purpose, so it travels as a multipart SMS.`,
  (c, s) =>
    `${s}: код подтверждения ${c}. Никому не сообщайте этот код, даже сотрудникам ${s}. ` +
    `Если вы не запрашивали код, просто проигнорируйте это сообщение — это длинный текст из нескольких частей.`,
];

/** Sender shown on the phone: the service's name, as alphanumeric senders are (≤ 11 characters). */
export function senderFor(service: string): string {
  const s = service.replace(/[^A-Za-z0-9]/g, "").slice(0, 11) || "Service";
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function verificationText(rng: Rng, service: string): string {
  const code = String(rng.int(100_000, 999_999));
  return rng.pick(KINDS)(code, senderFor(service));
}
