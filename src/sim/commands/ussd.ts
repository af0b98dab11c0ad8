/**
 * USSD (27.007 §7.15): `AT+CUSD=1,"<str>",<dcs>` answers OK at once, then the network's
 * answer arrives later as a `+CUSD:` URC. The home operator's table answers; the
 * dialect decides how the request must be encoded and how the reply goes on the wire
 * (docs/protocols/at-commands.md#ussd).
 */
import { isRegistered } from "./network.js";
import { cme, CME, ok, parseIntArg, simBlocker, type AtResult, type CommandTable, type SimContext } from "./types.js";

/** `+CUSD: 4` = operation not supported (27.007 §7.15 <m>), for codes the operator does not know. */
function answer(m: SimContext, code: string): void {
  const sim = m.sim;
  if (!sim) return;
  const reply = sim.profile.ussd[code];
  if (!reply) {
    m.urc("+CUSD: 4");
    return;
  }
  const text = reply.text.replaceAll("{number}", sim.profile.subscriberNumber);
  const wire = m.dialect.encodeUssdReply(m, text);
  m.urc(`+CUSD: 0,"${wire.payload}",${wire.dcs}`);
  if (reply.sms) {
    const sms = reply.sms;
    m.schedule(m.ussdDelayMs, () =>
      m.injectSms({ sender: sms.sender, text: sms.text.replaceAll("{number}", sim.profile.subscriberNumber) }),
    );
  }
}

function request(m: SimContext, args: string[]): AtResult {
  const n = parseIntArg(args[0] || "0");
  if (n === null || n > 2) return cme(CME.notSupported);
  if (n === 2) {
    m.cancelUssd?.();
    return ok();
  }
  m.settings.cusd = n;
  const raw = args[1];
  if (raw === undefined) return ok();
  const blocked = simBlocker(m);
  if (blocked) return blocked;
  if (!isRegistered(m)) return cme(CME.noNetwork);
  const code = m.dialect.decodeUssdRequest(m, raw, parseIntArg(args[2] || "15") ?? 15);
  if (code === null) return cme(CME.invalidChars);
  return ok([], () => {
    m.cancelUssd?.();
    m.cancelUssd = m.schedule(m.ussdDelayMs, () => {
      m.cancelUssd = null;
      answer(m, code);
    });
  });
}

export const ussdCommands: CommandTable = {
  "+CUSD": {
    read: (m) => ok([`+CUSD: ${m.settings.cusd}`]),
    test: () => ok(["+CUSD: (0-2)"]),
    set: (m, c) => request(m, c.args),
    exec: (m) => ((m.settings.cusd = 0), ok()),
  },
};
