/**
 * `simgate selftest --market NAME --url URL`: check a running daemon's marketplace endpoint
 * the way the marketplace's acceptance test does (src/markets/selftest.ts): claimed counts,
 * that many orders at once, each within the deadline, then every number cancelled. Prints
 * exactly `claimed N, got M, slowest X ms`; exits 1 on a shortfall.
 */
import { runSelftest, selftestPassed, SelftestTooLarge, shortfallLines, summaryLine, type SelftestGroup } from "../../markets/selftest.js";
import { DIALECTS, isDialectName } from "../../markets/smshub/dialects.js";
import { SmshubSelftestClient } from "../../markets/smshub/selftest-client.js";
import { OnlinesimSelftestClient } from "../../onlinesim/selftest-client.js";
import { oneLineError } from "../format.js";
import { loadConfig } from "../../config/load.js";
import { selftestTargetOf } from "../selftest-target.js";
import { EXIT_FAILURE, EXIT_USAGE, parseCommandArgs, type CliIo } from "../io.js";

const HELP = `usage: simgate selftest --market NAME --url URL [options]
       simgate selftest --market ID --config FILE [options]

Check a running daemon's endpoint for one marketplace as its acceptance test does: read
the claimed counts, fire that many GET_NUMBER at once, expect each within the marketplace's
deadline (3 s for the SMSHUB family, 10 s for Onlinesim), then cancel every number given. Prints
'claimed N, got M, slowest X ms'; exits 1 on a shortfall (and says why on stderr).
Run it before going live, while the marketplace is not buying yet: the test's orders
hold real SIMs for a moment.

  --market NAME       onlinesim, smshub, smsbower or grizzly: the protocol and its deadline
  --url URL           the daemon's endpoint for it: Onlinesim's base URL (http://127.0.0.1:8080,
                      the paths /getServices... are added), or the SMSHUB family's one URL
                      (http://127.0.0.1:8080/smshub)
  --service CODE      test this service (its code or name on that marketplace) in every
                      country (default: in each country, or each operator of a country split
                      by operator, its most claimed one)
  --cancel-status N   the FINISH status that cancels the test's numbers: 5 (default; refunded,
                      nothing burned) or 4 (cancelled: counts towards the re-offer limit)
  --max-orders N      refuse to fire more than N orders at once (default 2000)
  --config FILE       the daemon's config: --market is then 'onlinesim' or the id of a markets:
                      entry, and its URL, protocol and key come from the config and the
                      environment as the daemon reads them (--url and --key still win)

The market's protocol key comes from SIMGATE_MARKET_KEY (or --key K, which other users
can see in the process list); it is never printed.
`;

export async function selftestCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    "selftest",
    {
      args: argv,
      allowPositionals: false,
      options: {
        market: { type: "string" },
        config: { type: "string" },
        url: { type: "string" },
        key: { type: "string" },
        service: { type: "string" },
        "cancel-status": { type: "string", default: "5" },
        "max-orders": { type: "string", default: "2000" },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    HELP,
    io,
  );
  if (typeof parsed === "number") return parsed;
  const v = parsed.values;
  const usage = (msg: string): number => {
    io.stderr.write(`simgate selftest: ${msg}\n${HELP}`);
    return EXIT_USAGE;
  };
  if (v.market === undefined) return usage("--market is required");
  let market = v.market;
  let url = v.url;
  let key = v.key ?? process.env.SIMGATE_MARKET_KEY;
  let keyHint = "set SIMGATE_MARKET_KEY (or pass --key)";
  if (v.config !== undefined) {
    let target;
    try {
      target = selftestTargetOf(loadConfig({ file: v.config }).config, market);
    } catch (err) {
      io.stderr.write(`simgate selftest: ${oneLineError(err)}\n`);
      return EXIT_FAILURE;
    }
    if (typeof target === "string") return usage(target);
    market = target.protocol;
    url ??= target.url;
    key = v.key ?? target.key;
    keyHint = `set ${target.keySource}`;
  }
  if (market !== "onlinesim" && !isDialectName(market)) return usage(`--market must be onlinesim, smshub, smsbower or grizzly, got '${market}'`);
  if (url === undefined) return usage("--url is required (or --config FILE)");
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) return usage(`--url must be an http(s) URL, got '${url}'`);
  if (!key) return usage(`the market's key is needed: ${keyHint}`);
  if (v.service !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(v.service)) return usage(`--service must be a service code or name such as vk or telegram, got '${v.service}'`);
  if (v["cancel-status"] !== "4" && v["cancel-status"] !== "5") return usage(`--cancel-status must be 4 or 5, got '${v["cancel-status"]}'`);
  const maxOrders = Number(v["max-orders"]);
  if (!/^\d+$/.test(v["max-orders"]) || maxOrders < 1 || maxOrders > 100_000) return usage(`--max-orders must be an integer in 1..100000, got '${v["max-orders"]}'`);

  const common = { url, key, cancelStatus: Number(v["cancel-status"]), ...(v.service !== undefined ? { service: v.service } : {}) };
  const client = market === "onlinesim" ? new OnlinesimSelftestClient(common) : new SmshubSelftestClient({ ...common, dialect: DIALECTS[market] });
  let report;
  try {
    report = await runSelftest<SelftestGroup>(client, { maxOrders });
  } catch (err) {
    const why = oneLineError(err).split(key).join("[redacted]");
    io.stderr.write(`simgate selftest: ${why}${err instanceof SelftestTooLarge ? " (raise --max-orders to test them all)" : ""}\n`);
    return EXIT_FAILURE;
  }
  io.stdout.write(`${summaryLine(report)}\n`);
  if (report.claimed === 0) io.stderr.write("simgate selftest: the agent claims no numbers at all; nothing was tested\n");
  const problems = shortfallLines(report);
  if (problems.length > 0) io.stderr.write(`${problems.join("\n").split(key).join("[redacted]")}\n`);
  return selftestPassed(report) ? 0 : EXIT_FAILURE;
}
