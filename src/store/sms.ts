/**
 * Received SMS: `sms_parts` holds every PDU a modem handed off (stored before the modem
 * deletes it: that is the whole point), `sms` one row per whole message after reassembly,
 * and each part points at its message once there is one.
 *
 * Dedup: a part is identified by its SIM (ICCID, or the port when the SIM is unknown) and
 * its exact PDU. The PDU carries the SC timestamp and the concat reference, so two real
 * messages never share one; a re-read after a failed AT+CMGD does, and is stored once.
 */
import type Database from "better-sqlite3";
import type { CompleteSms, ReceivedPart } from "../sms/index.js";

export interface AcceptedPart {
  id: number;
  /** true = this PDU was stored before (a re-read): nothing was written. */
  duplicate: boolean;
}

export interface StoredMessage {
  id: number;
  /** true = these parts were assembled into a message before: nothing was written. */
  duplicate: boolean;
}

export interface SmsRecord {
  id: number;
  portId: string;
  iccid: string | null;
  sender: string;
  text: string;
  missingParts: number[];
  timestamp: string | null;
  receivedAt: number;
  partIds: number[];
}

/** Where a stored SMS went: PUSH_SMS for an activation (v1 outbox), or addMessage(s) (v2 queue). */
export interface SmsDelivery {
  via: "push" | "v2";
  /** The activation the SMS was routed to (push only). */
  activationId: number | null;
  state: "delivered" | "pending" | "gave-up";
  attempts: number;
  lastError: string | null;
}

/** One message as the admin API lists it (`simgate sms`): the record without its part ids, with its deliveries. */
export interface SmsListItem extends Omit<SmsRecord, "partIds"> {
  /** Empty: routed nowhere (no open activation for the number in v1). */
  deliveries: SmsDelivery[];
}

export interface RecentSmsFilter {
  /** Exact port id. */
  portId?: string;
  /** receivedAt at or after this (ms since epoch). */
  since?: number;
  limit: number;
}

export interface StoredPart extends ReceivedPart {
  id: number;
  smsId: number | null;
}

interface PartRow {
  id: number;
  sim_key: string;
  pdu: string;
  port_id: string;
  iccid: string | null;
  memory: string;
  mem_index: number | null;
  tpdu_length: number;
  decoded: string | null;
  received_at: number;
  sms_id: number | null;
}

interface SmsRow {
  id: number;
  port_id: string;
  iccid: string | null;
  sender: string;
  text: string;
  missing_parts: string;
  sc_timestamp: string | null;
  received_at: number;
}

interface DeliveryRow {
  attempts: number;
  last_error: string | null;
  done_at: number | null;
  gave_up_at: number | null;
}

function deliveryView(via: SmsDelivery["via"], activationId: number | null, d: DeliveryRow): SmsDelivery {
  const state = d.done_at !== null ? "delivered" : d.gave_up_at !== null ? "gave-up" : "pending";
  return { via, activationId, state, attempts: d.attempts, lastError: d.last_error };
}

export const simKeyOf = (p: Pick<ReceivedPart, "iccid" | "portId">): string => p.iccid ?? `port:${p.portId}`;

function partFromRow(r: PartRow): StoredPart {
  return {
    id: r.id,
    smsId: r.sms_id,
    portId: r.port_id,
    iccid: r.iccid,
    memory: r.memory,
    index: r.mem_index,
    pdu: r.pdu,
    tpduLength: r.tpdu_length,
    decoded: r.decoded === null ? null : (JSON.parse(r.decoded) as ReceivedPart["decoded"]),
    receivedAt: new Date(r.received_at),
  };
}

export class SmsRepository {
  readonly #insertPart: Database.Statement;
  readonly #findPart: Database.Statement<[string, string], { id: number; sms_id: number | null }>;
  readonly #insertSms: Database.Statement;
  readonly #linkPart: Database.Statement<[number, number]>;
  readonly #getSms: Database.Statement<[number], SmsRow>;
  readonly #partIds: Database.Statement<[number], { id: number }>;
  readonly #partsOf: Database.Statement<[number], PartRow>;
  readonly #unassembled: Database.Statement<[string], PartRow>;
  readonly #recent: Database.Statement<{ port: string | null; since: number; limit: number }, SmsRow>;
  readonly #pushesOf: Database.Statement<[number], DeliveryRow & { activation_id: number }>;
  readonly #v2Of: Database.Statement<[number], DeliveryRow>;
  readonly #accept: (part: ReceivedPart) => AcceptedPart;
  readonly #store: (sms: CompleteSms) => StoredMessage;
  /** For the read-only summary queries below, prepared on first use. */
  readonly #db: Database.Database;
  readonly #summary = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
    // OR IGNORE + changes === 0 is the dedup test: one statement, no read-then-write race.
    this.#insertPart = db.prepare(`
      INSERT OR IGNORE INTO sms_parts (sim_key, pdu, port_id, iccid, memory, mem_index, tpdu_length, decoded, received_at)
      VALUES (@simKey, @pdu, @portId, @iccid, @memory, @index, @tpduLength, @decoded, @receivedAt)`);
    this.#findPart = db.prepare("SELECT id, sms_id FROM sms_parts WHERE sim_key = ? AND pdu = ?");
    this.#insertSms = db.prepare(`
      INSERT INTO sms (port_id, iccid, sender, text, missing_parts, sc_timestamp, received_at)
      VALUES (@portId, @iccid, @sender, @text, @missing, @timestamp, @receivedAt)`);
    this.#linkPart = db.prepare("UPDATE sms_parts SET sms_id = ? WHERE id = ? AND sms_id IS NULL");
    this.#getSms = db.prepare("SELECT * FROM sms WHERE id = ?");
    this.#partIds = db.prepare("SELECT id FROM sms_parts WHERE sms_id = ? ORDER BY id");
    this.#partsOf = db.prepare("SELECT * FROM sms_parts WHERE sms_id = ? ORDER BY id");
    this.#unassembled = db.prepare("SELECT * FROM sms_parts WHERE port_id = ? AND sms_id IS NULL ORDER BY id");
    // Newest first by id (AUTOINCREMENT follows arrival): with a LIMIT the scan stops early.
    this.#recent = db.prepare("SELECT * FROM sms WHERE (@port IS NULL OR port_id = @port) AND received_at >= @since ORDER BY id DESC LIMIT @limit");
    // Both by the sms_id indexes (outbox UNIQUE (sms_id, activation_id), v2_messages UNIQUE sms_id).
    this.#pushesOf = db.prepare("SELECT activation_id, attempts, last_error, delivered_at AS done_at, gave_up_at FROM outbox WHERE sms_id = ? ORDER BY id");
    this.#v2Of = db.prepare("SELECT attempts, last_error, sent_at AS done_at, gave_up_at FROM v2_messages WHERE sms_id = ?");
    this.#accept = db.transaction((part: ReceivedPart) => this.#acceptTx(part));
    this.#store = db.transaction((sms: CompleteSms) => this.#storeTx(sms));
  }

  /**
   * Stored messages received at or after `sinceMs` that no PUSH_SMS outbox row refers to,
   * oldest first: after a crash between storing a message and routing it, the daemon
   * routes these again (src/daemon/route-recovery.ts).
   */
  withoutOutboxSince(sinceMs: number, limit = 10_000): Array<{ id: number; portId: string; iccid: string | null; receivedAt: number }> {
    let stmt = this.#summary.get("withoutOutboxSince");
    if (!stmt) {
      stmt = this.#db.prepare(
        "SELECT s.id, s.port_id, s.iccid, s.received_at FROM sms s WHERE s.received_at >= ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.sms_id = s.id) ORDER BY s.id LIMIT ?",
      );
      this.#summary.set("withoutOutboxSince", stmt);
    }
    return (stmt.all(sinceMs, limit) as Array<{ id: number; port_id: string; iccid: string | null; received_at: number }>).map((r) => ({
      id: r.id,
      portId: r.port_id,
      iccid: r.iccid,
      receivedAt: r.received_at,
    }));
  }

  /**
   * Durably store one PDU part (committed, fsynced on return). Idempotent by (SIM, PDU).
   * The modem may delete its copy once this returned.
   */
  acceptPart(part: ReceivedPart): AcceptedPart {
    return this.#accept(part);
  }

  /**
   * Store the whole message made from already-accepted parts and link the parts to it.
   * Idempotent: when any of its parts already belongs to a message, that message's id is
   * returned and nothing is written (the receiver re-assembling after a restart).
   * Parts not accepted before (should not happen) are stored here, in the same transaction.
   */
  storeMessage(sms: CompleteSms): StoredMessage {
    return this.#store(sms);
  }

  get(id: number): SmsRecord | undefined {
    const r = this.#getSms.get(id);
    if (!r) return undefined;
    return {
      id: r.id,
      portId: r.port_id,
      iccid: r.iccid,
      sender: r.sender,
      text: r.text,
      missingParts: JSON.parse(r.missing_parts) as number[],
      timestamp: r.sc_timestamp,
      receivedAt: r.received_at,
      partIds: this.#partIds.all(id).map((p) => p.id),
    };
  }

  /** The newest message id (0 when none): a cheap "anything new?" check for cached views. */
  maxId(): number {
    return (this.#query("SELECT coalesce(max(id), 0) AS n FROM sms").get() as { n: number }).n;
  }

  /** Messages stored at or after `sinceMs` (0 = all), e.g. "SMS today" on the status page. */
  countSince(sinceMs: number): number {
    return (this.#query("SELECT count(*) AS n FROM sms WHERE received_at >= ?").get(sinceMs) as { n: number }).n;
  }

  /** Each port's newest message (status page, `simgate status`); one scan of the table. */
  lastPerPort(): Array<Pick<SmsRecord, "id" | "portId" | "sender" | "text" | "receivedAt">> {
    const rows = this.#query("SELECT s.id, s.port_id, s.sender, s.text, s.received_at FROM sms s JOIN (SELECT max(id) AS id FROM sms GROUP BY port_id) m ON s.id = m.id")
      .all() as Pick<SmsRow, "id" | "port_id" | "sender" | "text" | "received_at">[];
    return rows.map((r) => ({ id: r.id, portId: r.port_id, sender: r.sender, text: r.text, receivedAt: r.received_at }));
  }

  #query(sql: string): Database.Statement {
    let stmt = this.#summary.get(sql);
    if (!stmt) this.#summary.set(sql, (stmt = this.#db.prepare(sql)));
    return stmt;
  }

  partsOf(smsId: number): StoredPart[] {
    return this.#partsOf.all(smsId).map(partFromRow);
  }

  /**
   * Parts of this port that belong to no message yet (a multipart still waiting for its
   * other parts, or one whose message was not stored before a crash). With the
   * reassembly blob these let the receiver rebuild its groups after a restart.
   */
  unassembledParts(portId: string): StoredPart[] {
    return this.#unassembled.all(portId).map(partFromRow);
  }

  /** The newest messages first, optionally of one port and since a time, with where each went. */
  recent(filter: RecentSmsFilter): SmsListItem[] {
    const rows = this.#recent.all({ port: filter.portId ?? null, since: filter.since ?? 0, limit: filter.limit });
    return rows.map((r) => ({
      id: r.id,
      portId: r.port_id,
      iccid: r.iccid,
      sender: r.sender,
      text: r.text,
      missingParts: JSON.parse(r.missing_parts) as number[],
      timestamp: r.sc_timestamp,
      receivedAt: r.received_at,
      deliveries: this.#deliveriesOf(r.id),
    }));
  }

  #deliveriesOf(smsId: number): SmsDelivery[] {
    const push = this.#pushesOf.all(smsId).map((d) => deliveryView("push", d.activation_id, d));
    const v2 = this.#v2Of.all(smsId).map((d) => deliveryView("v2", null, d));
    return [...push, ...v2];
  }

  #acceptTx(part: ReceivedPart): AcceptedPart {
    const simKey = simKeyOf(part);
    const info = this.#insertPart.run({
      simKey,
      pdu: part.pdu,
      portId: part.portId,
      iccid: part.iccid,
      memory: part.memory,
      index: part.index,
      tpduLength: part.tpduLength,
      decoded: part.decoded === null ? null : JSON.stringify(part.decoded),
      receivedAt: part.receivedAt.getTime(),
    });
    if (info.changes === 1) return { id: Number(info.lastInsertRowid), duplicate: false };
    const existing = this.#findPart.get(simKey, part.pdu);
    if (!existing) throw new Error("sms_parts: insert ignored but no existing row (constraint other than (sim_key, pdu)?)");
    return { id: existing.id, duplicate: true };
  }

  #storeTx(sms: CompleteSms): StoredMessage {
    const partIds: number[] = [];
    for (const part of sms.parts) {
      const accepted = this.#acceptTx(part);
      const row = this.#findPart.get(simKeyOf(part), part.pdu);
      if (row?.sms_id != null) return { id: row.sms_id, duplicate: true };
      partIds.push(accepted.id);
    }
    const receivedAt = sms.parts.reduce((max, p) => Math.max(max, p.receivedAt.getTime()), 0) || Date.now();
    const info = this.#insertSms.run({
      portId: sms.portId,
      iccid: sms.iccid,
      sender: sms.sender,
      text: sms.text,
      missing: JSON.stringify(sms.missingParts),
      timestamp: sms.timestamp,
      receivedAt,
    });
    const id = Number(info.lastInsertRowid);
    for (const partId of partIds) this.#linkPart.run(id, partId);
    return { id, duplicate: false };
  }
}
