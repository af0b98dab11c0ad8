/** `simgate sms`: recent SMS the running daemon stored (admin API). */
import { EXIT_USAGE } from "../io.js";
import { table } from "../format.js";
import { adminCommand, COMMON_HELP, localTime, oneLine, portNames } from "../admin-client.js";
import { parseSince, SINCE_FORMS } from "../../http/admin/inspect-since.js";

const HELP = `usage: simgate sms [--port P] [--since T] [--limit N] [--admin HOST:PORT] [--config FILE] [--json]

Show the SMS the daemon received, oldest first (the newest last), with where each went:
'#12 delivered' (PUSH_SMS for activation 12), '#12 queued', '#12 pending (3 tries)',
'#12 gave up', 'v2 sent', or 'unrouted' (no open activation for the number).

  --port P    only this port: its id, the id's last part (modem3) or any unique ending
  --since T   only SMS received since T: ${SINCE_FORMS}
  --limit N   the newest N (default 50, at most 1000)
  (--json: port is the short name the table and --port use, portId the daemon's full id)
${COMMON_HELP}`;

interface Delivery {
  via: "push" | "v2";
  activationId: number | null;
  state: "delivered" | "pending" | "gave-up";
  attempts: number;
}

interface SmsItem {
  id: number;
  port: string;
  sender: string;
  text: string;
  missingParts: number[];
  receivedAt: number;
  deliveries: Delivery[];
}

function deliveryText(ds: readonly Delivery[]): string {
  if (ds.length === 0) return "unrouted";
  return ds
    .map((d) => {
      const who = d.via === "push" ? `#${d.activationId}` : "v2";
      const what =
        d.state === "delivered" ? (d.via === "v2" ? "sent" : "delivered")
        : d.state === "gave-up" ? "gave up"
        : d.attempts === 0 ? "queued"
        : `pending (${d.attempts} ${d.attempts === 1 ? "try" : "tries"})`;
      return `${who} ${what}`;
    })
    .join(", ");
}

export const smsCommand = adminCommand(
  "sms",
  HELP,
  { port: { type: "string" }, since: { type: "string" }, limit: { type: "string", default: "50" } },
  async (args, client, io) => {
    const { port, since, limit } = args.values;
    if (args.positionals.length > 0) return usage(io, `unexpected argument '${args.positionals[0]}'`);
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return usage(io, `--limit takes a whole number from 1 to 1000, got '${limit}'`);
    // Resolved here, on the operator's clock: "08:30" means the operator's 08:30.
    const sinceMs = since === undefined ? undefined : parseSince(since);
    if (sinceMs === null) return usage(io, `--since takes ${SINCE_FORMS}; got '${since}'`);
    const res = await client.get<{ port: string | null; sms: SmsItem[] }>("/api/sms", { port, since: sinceMs, limit: n });
    const name = portNames([...res.sms.map((s) => s.port), ...(res.port ? [res.port] : [])]);
    if (args.values.json) {
      // `port` as the table and --port name it (modem7); the daemon's full id beside it.
      const named = (id: string) => ({ port: name(id), portId: id });
      const out = { ...(res.port ? named(res.port) : { port: null, portId: null }), sms: res.sms.map((s) => ({ ...s, ...named(s.port) })) };
      io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    const where = `${res.port ? ` on ${name(res.port)}` : ""}${sinceMs !== undefined ? ` since ${localTime(sinceMs)}` : ""}`;
    if (res.sms.length === 0) {
      io.stdout.write(`no SMS${where}\n`);
      return 0;
    }
    const rows = [...res.sms].reverse().map((s) => [
      localTime(s.receivedAt),
      name(s.port),
      oneLine(s.sender),
      deliveryText(s.deliveries),
      oneLine(s.text) + (s.missingParts.length > 0 ? ` [parts ${s.missingParts.join(",")} missing]` : ""),
    ]);
    const more = res.sms.length === n ? ` (the newest ${n}; --limit for more)` : "";
    io.stdout.write(table(["received", "port", "from", "delivery", "text"], rows) + `\n${res.sms.length} SMS${where}${more}\n`);
    return 0;
  },
);

function usage(io: { stderr: { write(t: string): unknown } }, message: string): number {
  io.stderr.write(`simgate sms: ${message}\n`);
  return EXIT_USAGE;
}
