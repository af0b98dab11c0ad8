import { EventEmitter } from "node:events";
import { deriveState, DEFAULT_STATE_POLICY, type PortFacts, type PortState, type StatePolicy } from "./port-state.js";
import type { CompleteSms } from "../sms/index.js";

/** Everything the pool knows about one port. The state is derived, never set directly. */
export interface PortRecord extends PortFacts {
  /** Stable identity (USB path), not the ttyUSBn index that moves. */
  id: string;
  /** What to open (by-path link, or the tty). */
  path: string;
  driver: string | null;
  manufacturer: string | null;
  model: string | null;
  imei: string | null;
  /** Home network of the SIM. */
  mcc: string | null;
  mnc: string | null;
  /** Registered network, numeric MCCMNC. */
  networkOperator: string | null;
  /** dBm, or null when unknown. */
  signal: number | null;
  state: PortState;
  /** When `state` last changed (ms since epoch). */
  stateSince: number;
  updatedAt: number;
}

export type PortView = Readonly<PortRecord>;

/** What a driver or the lifecycle may report; `id` and derived fields are the map's. */
export type PortUpdate = Partial<Omit<PortRecord, "id" | "state" | "stateSince" | "updatedAt" | "everSeen" | "wasReady">>;

export interface PortMapEvents {
  "port-added": [port: PortView];
  "port-removed": [port: PortView];
  "state-changed": [port: PortView, previous: PortState];
  /** A different SIM (or none) is in the port now. */
  "sim-changed": [port: PortView, previousIccid: string | null];
  "number-learned": [port: PortView];
  /** A whole SMS (all parts, or the parts that came before reassembly gave up) arrived on the port. */
  "sms-received": [port: PortView, sms: CompleteSms];
  /** Any change at all (after the specific events). */
  changed: [port: PortView];
}

function emptyRecord(id: string, path: string, now: number): PortRecord {
  return {
    id,
    path,
    present: true,
    everSeen: true,
    probed: false,
    responsive: true,
    answering: true,
    noisy: false,
    sim: "unknown",
    iccid: null,
    imsi: null,
    registration: "unknown",
    number: null,
    numberProblem: null,
    wasReady: false,
    driver: null,
    manufacturer: null,
    model: null,
    imei: null,
    mcc: null,
    mnc: null,
    networkOperator: null,
    signal: null,
    state: "probing",
    stateSince: now,
    updatedAt: now,
  };
}

/** Facts that belong to the SIM: a new SIM (or none) clears them. */
const SIM_FACTS = ["imsi", "number", "numberProblem", "mcc", "mnc"] as const;

/**
 * The live port map: one in-memory model of the pool with typed change events.
 * Subscribers hear about a change synchronously, in the same tick as the update that
 * caused it, so the "within 1 s" budget is spent entirely on the modem side.
 */
export class PortMap extends EventEmitter<PortMapEvents> {
  readonly #ports = new Map<string, PortRecord>();
  #snapshot: readonly PortView[] | undefined;

  constructor(
    private readonly policy: StatePolicy = DEFAULT_STATE_POLICY,
    private readonly clock: () => number = Date.now,
  ) {
    super();
  }

  get size(): number {
    return this.#ports.size;
  }

  get(id: string): PortView | undefined {
    return this.#ports.get(id);
  }

  /** A frozen array of frozen views, rebuilt only after a change: cheap to call often. */
  snapshot(): readonly PortView[] {
    this.#snapshot ??= Object.freeze([...this.#ports.values()].map((p) => Object.freeze({ ...p })));
    return this.#snapshot;
  }

  /** The ports that can be sold right now. */
  sellable(): PortView[] {
    return this.snapshot().filter((p) => p.state === "ready");
  }

  /** A port appeared (or reappeared after being gone). */
  appear(id: string, path: string): PortView {
    const existing = this.#ports.get(id);
    if (existing && existing.present) return this.update(id, { path });
    const now = this.clock();
    // A port that comes back is probed from scratch: the module may hold another SIM now.
    const record = existing
      ? { ...emptyRecord(id, path, now), stateSince: existing.stateSince }
      : emptyRecord(id, path, now);
    return this.#commit(record, existing, true);
  }

  /** The tty vanished: the port is `gone` at once and its SIM is no longer sellable. */
  vanish(id: string): PortView | undefined {
    const existing = this.#ports.get(id);
    if (!existing || !existing.present) return existing;
    const record: PortRecord = { ...existing, present: false, responsive: false };
    const view = this.#commit(record, existing, false);
    this.emit("port-removed", view);
    return view;
  }

  update(id: string, patch: PortUpdate): PortView {
    const existing = this.#ports.get(id);
    if (!existing) throw new Error(`port ${id} is not in the map; call appear() first`);
    const record: PortRecord = { ...existing, ...patch };
    if ("iccid" in patch && patch.iccid !== existing.iccid) {
      // Another SIM: nothing we learned about the old one holds (SIM banks swap cards).
      for (const key of SIM_FACTS) if (!(key in patch)) record[key] = null;
      record.wasReady = false;
    }
    if (patch.sim !== undefined && patch.sim !== "ready" && patch.iccid === undefined && existing.sim === "ready") {
      // SIM pulled or failed: its identity is unknown until it reads again.
      record.iccid = null;
      for (const key of SIM_FACTS) record[key] = null;
      record.wasReady = false;
    }
    return this.#commit(record, existing, false);
  }

  /** Tell subscribers a whole SMS arrived (the parts were already handed off durably). */
  smsReceived(id: string, sms: CompleteSms): void {
    const port = this.#ports.get(id);
    if (port) this.emit("sms-received", Object.freeze({ ...port }), sms);
  }

  remove(id: string): void {
    const existing = this.#ports.get(id);
    if (!existing) return;
    this.#ports.delete(id);
    this.#snapshot = undefined;
    if (existing.present) this.emit("port-removed", { ...existing, present: false, state: "gone" });
  }

  #commit(record: PortRecord, previous: PortRecord | undefined, added: boolean): PortView {
    const now = this.clock();
    record.state = deriveState(record, this.policy);
    if (record.state === "ready") record.wasReady = true;
    if (!previous || record.state !== previous.state) record.stateSince = now;
    record.updatedAt = now;
    this.#ports.set(record.id, record);
    this.#snapshot = undefined;
    const view: PortView = Object.freeze({ ...record });

    if (added) this.emit("port-added", view);
    if (previous && previous.iccid !== record.iccid) this.emit("sim-changed", view, previous.iccid);
    if (record.number !== null && previous?.number !== record.number) this.emit("number-learned", view);
    if (previous && previous.state !== record.state) this.emit("state-changed", view, previous.state);
    this.emit("changed", view);
    return view;
  }
}
