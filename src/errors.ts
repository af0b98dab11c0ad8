/**
 * One error class for all of simgate, with stable numeric codes grouped in ranges
 * (transport 100s, AT 200s, modem 300s, codec 400s, simulator 500s, CLI 600s,
 * discovery 700s, engine 800s, store 900s, config 1000s, HTTP 1100s).
 * The code is appended to the message ("(SG201)") so it survives log scraping.
 * Callers branch on `code` or the guards below, never on message text.
 */
export enum ErrorCode {
  // Transport: bytes only.
  TransportOpenFailed = 100,
  TransportNotOpen = 101,
  TransportWriteFailed = 102,
  /** The device went away (unplug, USB reset, pty closed). */
  TransportDisconnected = 103,
  TransportClosed = 104,

  // AT protocol.
  /** No final result within the command's timeout (timer starts at write). */
  AtTimeout = 200,
  /** Final result `ERROR` or a vendor equivalent (`COMMAND NOT SUPPORT`, `TOO MANY PARAMETERS`). */
  AtError = 201,
  /** `+CME ERROR: <n|text>`. */
  AtCmeError = 202,
  /** `+CMS ERROR: <n|text>`. */
  AtCmsError = 203,
  AtNoCarrier = 204,
  AtBusy = 205,
  AtNoAnswer = 206,
  AtNoDialtone = 207,
  /** The channel was closed (or the port vanished) while the command was queued or in flight. */
  AtChannelClosed = 208,
  /** After a timeout the channel could not get a clean `OK` to a bare `AT`. */
  AtResyncFailed = 209,
  /** The command text is not a single AT command line (contains CR/LF, or is empty). */
  AtInvalidCommand = 210,

  // Modem (probe, identity, lifecycle).
  /** The port opened but nothing on it answers `AT` with `OK`. */
  ModemNotResponding = 300,
  ModemUnexpectedResponse = 301,

  // Codecs.
  CodecMalformed = 400,

  // Simulator.
  SimulatorPtyFailed = 500,
  SimulatorBadOption = 501,

  // CLI.
  CliUsage = 600,

  // Discovery and port ownership.
  /** The tty already has an owner in this process (another lease on the same device node). */
  DiscoveryPortOwned = 700,

  // Engine configuration (800, the old engine's busy-number guard, is retired: the sales ledger's claim answers "taken" instead).
  /** An `exceptionPhoneSet` item is not a digit prefix (Q8). */
  EngineBadPrefix = 801,
  /** The engine part of the config does not validate. */
  EngineConfigInvalid = 802,

  // Durable store (SQLite under the state directory).
  /** The state directory or simgate.db cannot be created or written by this user. */
  StoreNotWritable = 900,
  /** simgate.db carries a schema version newer than this build knows. */
  StoreNewerVersion = 901,
  /** simgate.db is not a SQLite database or fails its integrity check. */
  StoreCorrupt = 902,
  /** Another process (a second simgate, a sqlite3 shell in a transaction) holds the database lock. */
  StoreLocked = 903,
  /** A schema migration failed; the file was left at its previous version. */
  StoreMigrationFailed = 904,
  /** simgate.db exists but is not a simgate store (empty, a directory, another program's SQLite file, no simgate schema). */
  StoreNotAStore = 905,
  /** simgate.db is gone, but the id floor beside it shows the directory held a store that issued ids. */
  StoreMissing = 906,
  /** The id floor file beside simgate.db cannot be read or fails its checksum. */
  StoreIdFloorDamaged = 907,
  /** `simgate store backup` could not make or verify its copy. */
  StoreBackupFailed = 908,
  /** `simgate store init` without --force found something in place of a new store. */
  StoreInitRefused = 909,
  /** A simgate.db-wal lies beside a simgate.db it cannot belong to (a restored backup in rollback-journal mode). */
  StoreForeignWal = 910,
  /** The file system holding the state directory is full (ENOSPC, EDQUOT, SQLITE_FULL) at start-up. */
  StoreNoSpace = 911,

  // Config (src/config/).
  /** The config file is missing or unreadable. */
  ConfigUnreadable = 1000,
  /** The config file is not valid YAML/JSON. */
  ConfigSyntax = 1001,
  /** The config does not validate (message lists every problem with its key path). */
  ConfigInvalid = 1002,

  // HTTP: the v1 partner endpoint (src/http/partner/).
  /** buildPartnerServer got options it cannot serve with (an empty key, an allowIps entry that is not an IP address). */
  HttpOptionsInvalid = 1100,
  /**
   * A request body that cannot be used (unsupported media type or encoding, too large once
   * decoded, not UTF-8, not JSON). Context: `status` (HTTP) and `error` (the wire token).
   */
  HttpBadBody = 1101,

  // Daemon (src/daemon/): the composition root of `simgate run`.
  /** A listener (partner endpoint, admin) could not bind its HOST:PORT. */
  ListenFailed = 1200,
  /** The daemon cannot start with this config or environment (message says why in one line). */
  DaemonCannotStart = 1201,
}

export type ErrorContext = Record<string, unknown>;

export class SimgateError extends Error {
  override readonly name = "SimgateError";

  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(`${message} (SG${code})`, options);
  }

  /** The message without the trailing code, for one-line CLI output that prints the code separately. */
  get plainMessage(): string {
    return this.message.replace(/ \(SG\d+\)$/, "");
  }
}

export function isSimgateError(err: unknown, code?: ErrorCode): err is SimgateError {
  return err instanceof SimgateError && (code === undefined || err.code === code);
}

/** The modem or its port is gone: retrying on this port is pointless until it comes back. */
export function isModemGone(err: unknown): boolean {
  return (
    isSimgateError(err) &&
    (err.code === ErrorCode.TransportDisconnected ||
      err.code === ErrorCode.TransportClosed ||
      err.code === ErrorCode.AtChannelClosed)
  );
}

/** Worth retrying on the same port after a pause (timeouts, busy SIM, initialising module). */
export function isTransient(err: unknown): boolean {
  if (!isSimgateError(err)) return false;
  if (err.code === ErrorCode.AtTimeout) return true;
  if (err.code === ErrorCode.AtCmeError) {
    // 14 = SIM busy, 515 = device busy / still initialising (27.007 §9.2; Wavecom after CFUN=1).
    const cme = err.context["cme"];
    return cme === 14 || cme === 515;
  }
  return false;
}
