/** `simgate status`: the running daemon's port map as a table (admin API). */
import { table } from "../format.js";
import { adminCommand, COMMON_HELP, duration, oneLine, portNames, type AdminClient } from "../admin-client.js";

const HELP = `usage: simgate status [--admin HOST:PORT] [--config FILE] [--json]

Show the running daemon's port map: every port with its state, operator (the name it is
sold under, else the registered network's MCC+MNC), number, signal, the activation it
serves (with the time left until Onlinesim finishes it) and its last SMS. A SIM whose
number was refused (state number-invalid) is listed below the table with the reason.

${COMMON_HELP}`;

interface PortStatus {
  id: string;
  state: string;
  operator: string | null;
  network: { country: string; operator: string } | null;
  number: string | null;
  /** Present from the release that refuses invalid numbers on. */
  numberProblem?: string | null;
  iccid?: string | null;
  signal: number | null;
  activation: { id: number; service: string; since: number; expiresAt?: number | null } | null;
  lastSms: { sender: string; text: string; at: number } | null;
}

interface StatusDoc {
  at: number;
  activationLifeMs?: number | null;
  ports: PortStatus[];
  engine: { openActivations: number };
  outbound: { push: { pending: number } | null };
}

/**
 * When each open activation is due to be finished. GET /api/status carries it when the
 * daemon knows the activation life; otherwise GET /api/activations, which always does.
 */
async function expiries(status: StatusDoc, client: AdminClient): Promise<Map<number, number | null>> {
  const open = status.ports.flatMap((p) => (p.activation ? [p.activation] : []));
  const life = status.activationLifeMs ?? null;
  if (open.every((a) => a.expiresAt != null) || life !== null) return new Map(open.map((a) => [a.id, a.expiresAt ?? (life === null ? null : a.since + life)]));
  // limit 1: every open activation is listed anyway.
  const { activations } = await client.get<{ activations: Array<{ id: number; expiresAt: number | null }> }>("/api/activations", { limit: 1 });
  return new Map(activations.map((a) => [a.id, a.expiresAt]));
}

export const statusCommand = adminCommand("status", HELP, {}, async (args, client, io) => {
  const status = await client.get<StatusDoc>("/api/status");
  if (args.values.json) {
    io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return 0;
  }
  const name = portNames(status.ports.map((p) => p.id));
  const now = status.at;
  const expires = await expiries(status, client);
  // modem2 before modem10: the order of the rack, not of the alphabet.
  const rows = [...status.ports].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true })).map((p) => {
    const a = p.activation;
    const exp = a ? (expires.get(a.id) ?? null) : null;
    const left = exp === null ? "" : exp >= now ? ` ${duration(exp - now)} left` : ` overdue ${duration(now - exp)}`;
    const sms = p.lastSms;
    return [
      name(p.id),
      p.state,
      // Onlinesim's name for the SIM's network (what it is sold as), else the registered MCC+MNC.
      p.network?.operator ?? p.operator,
      p.number ?? (p.numberProblem ? "refused (below)" : null),
      p.signal === null ? null : `${p.signal} dBm`,
      a ? `#${a.id} ${a.service}${left}` : null,
      sms ? `${duration(now - sms.at)} ago ${oneLine(sms.sender, 16)}: ${oneLine(sms.text, 40)}` : null,
    ];
  });
  const ready = status.ports.filter((p) => p.state === "ready").length;
  const pending = status.outbound.push?.pending ?? 0;
  const footer = [
    `${status.ports.length} ports`,
    `${ready} ready`,
    `${status.engine.openActivations} open activation${status.engine.openActivations === 1 ? "" : "s"}`,
    ...(pending > 0 ? [`${pending} SMS waiting for PUSH_SMS`] : []),
  ].join(", ");
  // A refused number is the operator's to fix: say which SIM, why, and how.
  const refused = status.ports
    .filter((p) => p.number === null && p.numberProblem)
    .map((p) => `${name(p.id)}: number refused, ${p.numberProblem}; set it with: simgate number set ${p.iccid ?? "<ICCID>"} +<number>\n`);
  io.stdout.write(table(["port", "state", "operator", "number", "signal", "activation", "last SMS"], rows) + `\n${footer}\n${refused.join("")}`);
  return 0;
});
