import { parseArgs } from "node:util";
import { FakeOnlinesim, type FakeOnlinesimStats } from "../../onlinesim/fake/index.js";
import { V2_METHODS } from "../../onlinesim/fake/v2.js";
import { intOption, outcomesOption, rateOption, smsViaServices } from "../fake-options.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand } from "../io.js";
import { oneLineError } from "../format.js";
import { parseHostPort } from "../../config/host-port.js";

const HELP = `usage: simgate fake-onlinesim [--listen HOST:PORT] [--partner URL] [--key K] [--poll-ms N]
                              [--order-every-ms N] [--max-orders N] [--modules N] [--seed S]
                              [--summary-ms N] [--sms-via ADMIN_URL] [--json]

Play Onlinesim over real HTTP for tests and demos (docs/protocols/onlinesim.md): receive
PUSH_SMS and the v2 reseller calls, validating every payload; with --partner, also buy from
that v1 endpoint (GET_SERVICES polls, GET_NUMBER orders, FINISH_ACTIVATION with every status).
Prints its URLs, then a one-line summary periodically, until SIGINT/SIGTERM.

  --listen HOST:PORT    where to listen (default 127.0.0.1:0 = a free port)
  --partner URL         the partner's v1 base URL (e.g. http://127.0.0.1:8080); omit to only receive
  --key K               partner API key expected and sent (default: demo-key); never printed
  --poll-ms N           GET_SERVICES period (default 120000, as Onlinesim; e.g. 1000 for a demo)
  --order-every-ms N    GET_NUMBER period (default 5000)
  --max-orders N        stop ordering after N orders (default 1000)
  --modules N           the partner's module count: GET_SERVICES counts above it are violations (docs/protocols/onlinesim-v1.md#get_services)
  --seed S              seed for the buyer's random choices (default 1)
  --status1-rate R      share of operations the buyer closes with status 1 (not ordered), 0..1 (default 0.1)
  --sms-window-ms N     an operation without SMS is cancelled (status 4 or 5) after N ms (default 30000;
                        Onlinesim waits up to 15 min)
  --outcomes LIST       each order's outcome in turn instead of at random, e.g. sms,sms,1,sms,4,sms,5:
                        sms = the service texts the number, finished 3 once it arrives (4 if it
                        never does); 1 = finished 1 at once; 4, 5 = no SMS, finished so after the window
  --await-partner-ms N  wait up to N ms for --partner to answer before buying (a partner that is
                        still starting is not a violation; default 0)
  --summary-ms N        summary period (default 5000)
  --sms-via ADMIN_URL   play the services too: send a verification SMS to most ordered numbers
                        through a simulating daemon's admin API (simgate run --simulate N), with
                        the admin token from SIMGATE_ADMIN_TOKEN
  --json                one JSON object per line
`;

function parseListen(raw: string): { host: string; port: number } | string {
  return parseHostPort(raw) ?? `--listen must be HOST:PORT, got '${raw}'`;
}

export function summaryLine(s: FakeOnlinesimStats): string {
  const f = s.finishes;
  return (
    `polls=${s.polls} orders=${s.orders} issued=${s.issued} noNumbers=${s.noNumbers} open=${s.openOperations} ` +
    (s.blocked ? "BLOCKED(over-report) " : "") +
    `finishes=1:${f[1]},3:${f[3]},4:${f[4]},5:${f[5]} earnings=${s.earnings} pushSms=${s.pushSms} duplicates=${s.pushSmsDuplicates} ` +
    `v2: lists=${s.v2.sendNumbersOnline} numbers=${s.v2.lastNumbers.length} batches=${s.v2.addMessages} messages=${s.v2.messages} ` +
    (s.servicesSms ? `smsSent=${s.servicesSms.sent} smsExact=${s.servicesSms.exact} smsMismatched=${s.servicesSms.mismatched} ` : "") +
    `rejected=${s.rejected.length} violations=${s.violations}` +
    (s.lastViolation ? ` last=${JSON.stringify(s.lastViolation)}` : "")
  );
}

function jsonSummary(s: FakeOnlinesimStats): Record<string, unknown> {
  const { rejected, v2, ...rest } = s;
  return { event: "summary", ...rest, v2: { ...v2, lastNumbers: v2.lastNumbers.length }, rejected: rejected.length, lastRejected: rejected.at(-1) };
}

export const fakeOnlinesimCommand: CliCommand = async (argv, io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        listen: { type: "string", default: "127.0.0.1:0" },
        partner: { type: "string" },
        key: { type: "string", default: "demo-key" },
        "poll-ms": { type: "string", default: "120000" },
        "order-every-ms": { type: "string", default: "5000" },
        "max-orders": { type: "string", default: "1000" },
        modules: { type: "string" },
        seed: { type: "string", default: "1" },
        "sms-window-ms": { type: "string", default: "30000" },
        "status1-rate": { type: "string", default: "0.1" },
        outcomes: { type: "string" },
        "await-partner-ms": { type: "string", default: "0" },
        "summary-ms": { type: "string", default: "5000" },
        "sms-via": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    io.stderr.write(`simgate fake-onlinesim: ${oneLineError(err)}\n${HELP}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const usage = (msg: string) => {
    io.stderr.write(`simgate fake-onlinesim: ${msg}\n${HELP}`);
    return EXIT_USAGE;
  };
  const listen = parseListen(values.listen);
  if (typeof listen === "string") return usage(listen);
  const pollMs = intOption(values["poll-ms"], "poll-ms", 10, 3_600_000);
  if (typeof pollMs === "string") return usage(pollMs);
  const orderMs = intOption(values["order-every-ms"], "order-every-ms", 10, 3_600_000);
  if (typeof orderMs === "string") return usage(orderMs);
  const maxOrders = intOption(values["max-orders"], "max-orders", 0, 1_000_000);
  if (typeof maxOrders === "string") return usage(maxOrders);
  const modules = values.modules === undefined ? undefined : intOption(values.modules, "modules", 1, 100_000);
  if (typeof modules === "string") return usage(modules);
  const seed = intOption(values.seed, "seed", 0, 2 ** 32 - 1);
  if (typeof seed === "string") return usage(seed);
  const smsWindowMs = intOption(values["sms-window-ms"], "sms-window-ms", 100, 3_600_000);
  if (typeof smsWindowMs === "string") return usage(smsWindowMs);
  const status1Rate = rateOption(values["status1-rate"], "status1-rate");
  if (typeof status1Rate === "string") return usage(status1Rate);
  const outcomes = outcomesOption(values.outcomes);
  if (outcomes !== undefined && !Array.isArray(outcomes)) return usage(outcomes.error);
  const awaitPartnerMs = intOption(values["await-partner-ms"], "await-partner-ms", 0, 3_600_000);
  if (typeof awaitPartnerMs === "string") return usage(awaitPartnerMs);
  const summaryMs = intOption(values["summary-ms"], "summary-ms", 50, 3_600_000);
  if (typeof summaryMs === "string") return usage(summaryMs);
  if (values.key === "") return usage("--key must not be empty");
  if (values.partner !== undefined && !URL.canParse(values.partner)) return usage(`--partner must be a URL, got '${values.partner}'`);
  const smsVia = values["sms-via"];
  if (smsVia !== undefined && !URL.canParse(smsVia)) return usage(`--sms-via must be a URL, got '${smsVia}'`);
  if (smsVia !== undefined && values.partner === undefined) return usage("--sms-via needs --partner (SMS go to the numbers the buyer ordered)");

  const fake = new FakeOnlinesim({
    key: values.key,
    host: listen.host,
    port: listen.port,
    ...smsViaServices(smsVia),
    ...(values.partner === undefined
      ? {}
      : {
          // The demo re-sends a few acknowledged FINISHes so a non-idempotent partner shows up (docs/protocols/onlinesim-v1.md#finish_activation, Q11).
          marketplace: {
            partnerUrl: values.partner,
            pollMs,
            orderEveryMs: orderMs,
            maxOrders,
            seed,
            moduleCount: modules,
            smsWindowMs,
            status1Rate,
            resendFinishRate: 0.05,
            awaitPartnerMs,
            ...(outcomes !== undefined ? { outcomes: outcomes.map((o) => (o === "sms" ? o : (Number(o) as 1 | 4 | 5))) } : {}),
          },
        }),
  });
  let urls;
  try {
    urls = await fake.start();
  } catch (err) {
    await fake.stop();
    io.stderr.write(`simgate fake-onlinesim: ${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
  // Listen for SIGINT/SIGTERM before printing: a caller may signal as soon as it has read the lines.
  const stopped = io.untilStopped();
  const print = (s: FakeOnlinesimStats) => io.stdout.write(values.json ? `${JSON.stringify(jsonSummary(s))}\n` : `${summaryLine(s)}\n`);
  const timer = setInterval(() => print(fake.stats()), summaryMs);
  try {
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ event: "listening", urls, partner: values.partner ?? null, pollMs, orderEveryMs: orderMs })}\n`);
    } else {
      io.stdout.write(
        `fake-onlinesim listening on ${urls.base}\n` +
          `  PUSH_SMS         ${urls.pushSms}\n` +
          `  PUSH_SMS (RENT)  ${urls.pushSmsRent}\n` +
          `  v2               ${urls.v2}/{${V2_METHODS.join(",")}}\n` +
          `  buying from      ${values.partner === undefined ? "- (no --partner: receive only)" : `${values.partner} (GET_SERVICES every ${pollMs} ms, GET_NUMBER every ${orderMs} ms)`}\n`,
      );
    }
    await stopped;
    return 0;
  } finally {
    clearInterval(timer);
    await fake.stop();
    print(fake.stats());
  }
};
