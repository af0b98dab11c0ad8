/**
 * `simgate fake-market --protocol onlinesim|smshub`: play a marketplace over real HTTP for
 * tests and demos. `onlinesim` is `simgate fake-onlinesim` with the same options; `smshub`
 * plays the SMSHUB agent protocol or one of its clones (`--dialect`), see
 * src/markets/smshub/fake/README.md.
 */
import { isDialectName } from "../../markets/smshub/dialects.js";
import { FakeSmshub, type FakeSmshubStats } from "../../markets/smshub/fake/fake-smshub.js";
import type { BuyerOutcome } from "../../markets/smshub/fake/buyer.js";
import { parseHostPort } from "../../config/host-port.js";
import { oneLineError } from "../format.js";
import { intOption, outcomesOption, rateOption, smsViaServices } from "../fake-options.js";
import { EXIT_FAILURE, EXIT_USAGE, parseCommandArgs, type CliCommand, type CliIo } from "../io.js";
import { fakeOnlinesimCommand } from "./fake-onlinesim.js";

const HELP = `usage: simgate fake-market --protocol onlinesim|smshub [options]

Play a marketplace over real HTTP for tests and demos.

  --protocol onlinesim  Onlinesim (v1 buyer, PUSH_SMS, v2): the options of 'simgate fake-onlinesim --help'
  --protocol smshub     the SMSHUB agent protocol family (docs/protocols/smshub.md), options below

SMSHUB family:
  --dialect NAME        smshub (default), smsbower (gzip everywhere) or grizzly (no gzip)
  --listen HOST:PORT    where PUSH_SMS is received, at /agent/api/sms (default 127.0.0.1:0)
  --agent URL           buy from this agent endpoint (our daemon's SMSHUB URL, e.g.
                        http://127.0.0.1:8080/smshub); omit to only receive PUSH_SMS
  --key K               protocol key expected and sent (default: demo-key); never printed
  --poll-ms MIN[-MAX]   GET_SERVICES period, random within the range (default 10000-20000, as SMSHUB)
  --order-every-ms N    GET_NUMBER period (default 3000)
  --max-orders N        stop ordering after N orders (default 1000)
  --modules N           the agent's module count: counts above it are over-reporting (30-min block)
  --seed S              seed for the buyer's random choices (default 1)
  --currency rub|usd    currency of the orders (default rub: 643, 2 decimals; usd: 840)
  --priority CODES      service codes most wanted first, e.g. vk,tg,wa (ordered more often)
  --status1-rate R      share of orders finished with 1 (stop offering for the service), 0..1 (default 0.05)
  --sms-window-ms N     an order without SMS is finished 4 (or 5) after N ms (default 30000)
  --outcomes LIST       each order's outcome in turn, e.g. sms,4,sms,1,5: sms = the service texts
                        the number, finished 3 once it arrives; 1 = finished 1 at once; 4, 5 = no SMS
  --await-agent-ms N    wait up to N ms for --agent to answer before buying (default 0)
  --shared-pool         the agent sells the same SIMs on other marketplaces too: a NO_NUMBERS after
                        a claim is counted as contested, not a violation (another may have taken them)
  --summary-ms N        summary period (default 5000)
  --sms-via ADMIN_URL   play the services too: text the ordered numbers through a simulating
                        daemon's admin API, token from SIMGATE_ADMIN_TOKEN
  --json                one JSON object per line
`;

/** `--protocol X` or `--protocol=X` taken out of argv; the rest goes to the protocol's own parser. */
function takeProtocol(argv: readonly string[]): { protocol?: string; rest: string[] } {
  const rest: string[] = [];
  let protocol: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--protocol") protocol = argv[++i] ?? "";
    else if (arg.startsWith("--protocol=")) protocol = arg.slice("--protocol=".length);
    else rest.push(arg);
  }
  return protocol === undefined ? { rest } : { protocol, rest };
}

/** "15000" or "10000-20000". */
function pollRange(raw: string): { min: number; max: number } | string {
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
  const min = m ? Number(m[1]) : NaN;
  const max = m?.[2] !== undefined ? Number(m[2]) : min;
  if (!m || min < 10 || max < min || max > 3_600_000) return `--poll-ms must be N or MIN-MAX (ms, 10..3600000, MIN <= MAX), got '${raw}'`;
  return { min, max };
}

export function smshubSummaryLine(s: FakeSmshubStats): string {
  const f = s.finishes;
  const earnings = Object.entries(s.earnings).map(([c, v]) => `${c}:${v}`).join(",") || "0";
  const t = s.issuance;
  return (
    `[${s.dialect}] polls=${s.polls} orders=${s.orders} issued=${s.issued} noNumbers=${s.noNumbers} open=${s.openOrders} ` +
    (s.blocked ? "BLOCKED(over-report) " : "") +
    `finishes=1:${f[1]},3:${f[3]},4:${f[4]},5:${f[5]} reoffers=${s.reoffers} earnings=${earnings} ` +
    `issuanceMs=p50:${t.p50 ?? "-"},p95:${t.p95 ?? "-"},max:${t.max ?? "-"} pushSms=${s.pushSms.accepted} duplicates=${s.pushSms.duplicates} ` +
    (s.servicesSms ? `smsSent=${s.servicesSms.sent} smsExact=${s.servicesSms.exact} smsMismatched=${s.servicesSms.mismatched} ` : "") +
    (s.contested ? `contested=${s.contested} ` : "") +
    `violations=${s.violations}` +
    (s.lastViolation ? ` last=${JSON.stringify(s.lastViolation)}` : "")
  );
}

async function smshubCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    "fake-market",
    {
      args: argv,
      allowPositionals: false,
      options: {
        dialect: { type: "string", default: "smshub" },
        listen: { type: "string", default: "127.0.0.1:0" },
        agent: { type: "string" },
        key: { type: "string", default: "demo-key" },
        "poll-ms": { type: "string", default: "10000-20000" },
        "order-every-ms": { type: "string", default: "3000" },
        "max-orders": { type: "string", default: "1000" },
        modules: { type: "string" },
        seed: { type: "string", default: "1" },
        currency: { type: "string", default: "rub" },
        priority: { type: "string" },
        "status1-rate": { type: "string", default: "0.05" },
        "sms-window-ms": { type: "string", default: "30000" },
        outcomes: { type: "string" },
        "await-agent-ms": { type: "string", default: "0" },
        "summary-ms": { type: "string", default: "5000" },
        "sms-via": { type: "string" },
        "shared-pool": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    HELP,
    io,
  );
  if (typeof parsed === "number") return parsed;
  const v = parsed.values;
  const usage = (msg: string): number => {
    io.stderr.write(`simgate fake-market: ${msg}\n${HELP}`);
    return EXIT_USAGE;
  };
  if (!isDialectName(v.dialect)) return usage(`--dialect must be smshub, smsbower or grizzly, got '${v.dialect}'`);
  const listen = parseHostPort(v.listen);
  if (!listen) return usage(`--listen must be HOST:PORT, got '${v.listen}'`);
  const poll = pollRange(v["poll-ms"]);
  if (typeof poll === "string") return usage(poll);
  const ints: Record<string, number> = {};
  for (const [name, raw, min, max] of [
    ["order-every-ms", v["order-every-ms"], 10, 3_600_000],
    ["max-orders", v["max-orders"], 0, 1_000_000],
    ["seed", v.seed, 0, 2 ** 32 - 1],
    ["sms-window-ms", v["sms-window-ms"], 10, 3_600_000],
    ["await-agent-ms", v["await-agent-ms"], 0, 3_600_000],
    ["summary-ms", v["summary-ms"], 50, 3_600_000],
    ...(v.modules === undefined ? [] : [["modules", v.modules, 1, 100_000] as const]),
  ] as const) {
    const n = intOption(raw, name, min, max);
    if (typeof n === "string") return usage(n);
    ints[name] = n;
  }
  const status1Rate = rateOption(v["status1-rate"], "status1-rate");
  if (typeof status1Rate === "string") return usage(status1Rate);
  const currency = v.currency.toLowerCase() === "rub" ? 643 : v.currency.toLowerCase() === "usd" ? 840 : undefined;
  if (currency === undefined) return usage(`--currency must be rub or usd, got '${v.currency}'`);
  const outcomes = outcomesOption(v.outcomes);
  if (outcomes !== undefined && !Array.isArray(outcomes)) return usage(outcomes.error);
  const priority = v.priority?.split(",").map((c) => c.trim()).filter(Boolean);
  if (v.key === "") return usage("--key must not be empty");
  if (v.agent !== undefined && !URL.canParse(v.agent)) return usage(`--agent must be a URL, got '${v.agent}'`);
  const smsVia = v["sms-via"];
  if (smsVia !== undefined && !URL.canParse(smsVia)) return usage(`--sms-via must be a URL, got '${smsVia}'`);
  if (smsVia !== undefined && v.agent === undefined) return usage("--sms-via needs --agent (SMS go to the numbers the buyer ordered)");

  const fake = new FakeSmshub({
    dialect: v.dialect,
    key: v.key,
    host: listen.host,
    port: listen.port,
    ...smsViaServices(smsVia),
    ...(v.agent === undefined
      ? {}
      : {
          buyer: {
            agentUrl: v.agent,
            pollMs: poll,
            orderEveryMs: ints["order-every-ms"]!,
            maxOrders: ints["max-orders"]!,
            seed: ints["seed"]!,
            smsWindowMs: ints["sms-window-ms"]!,
            awaitAgentMs: ints["await-agent-ms"]!,
            status1Rate,
            currency,
            // A few acknowledged FINISHes are sent again, so a non-idempotent agent shows up.
            resendFinishRate: 0.05,
            sharedPool: v["shared-pool"],
            ...(ints["modules"] !== undefined ? { moduleCount: ints["modules"] } : {}),
            ...(priority !== undefined ? { priority } : {}),
            ...(outcomes !== undefined ? { outcomes: outcomes.map((o): BuyerOutcome => (o === "sms" ? o : (Number(o) as 1 | 4 | 5))) } : {}),
          },
        }),
  });
  let urls;
  try {
    urls = await fake.start();
  } catch (err) {
    await fake.stop();
    io.stderr.write(`simgate fake-market: ${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
  // Listen for SIGINT/SIGTERM before printing: a caller may signal as soon as it has read the lines.
  const stopped = io.untilStopped();
  const print = (s: FakeSmshubStats): void => {
    io.stdout.write(v.json ? `${JSON.stringify({ event: "summary", ...s })}\n` : `${smshubSummaryLine(s)}\n`);
  };
  const timer = setInterval(() => print(fake.stats()), ints["summary-ms"]!);
  try {
    if (v.json) {
      io.stdout.write(`${JSON.stringify({ event: "listening", protocol: "smshub", dialect: v.dialect, urls, agent: v.agent ?? null, pollMs: poll, orderEveryMs: ints["order-every-ms"] })}\n`);
    } else {
      io.stdout.write(
        `fake-market (${fake.dialect.title}) listening on ${urls.base}\n` +
          `  PUSH_SMS         ${urls.pushSms}\n` +
          `  buying from      ${v.agent === undefined ? "- (no --agent: receive only)" : `${v.agent} (GET_SERVICES every ${poll.min}-${poll.max} ms, GET_NUMBER every ${ints["order-every-ms"]} ms)`}\n`,
      );
    }
    await stopped;
    return 0;
  } finally {
    clearInterval(timer);
    await fake.stop();
    print(fake.stats());
  }
}

export const fakeMarketCommand: CliCommand = async (argv, io) => {
  const { protocol, rest } = takeProtocol(argv);
  if (protocol === undefined) {
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout.write(HELP);
      return 0;
    }
    io.stderr.write(`simgate fake-market: --protocol is required (onlinesim or smshub)\n${HELP}`);
    return EXIT_USAGE;
  }
  if (protocol === "onlinesim") return fakeOnlinesimCommand(rest, io);
  if (protocol === "smshub") return smshubCommand(rest, io);
  io.stderr.write(`simgate fake-market: --protocol must be onlinesim or smshub, got '${protocol}'\n${HELP}`);
  return EXIT_USAGE;
};
