/**
 * One SMS memory ("SM" on the SIM, "ME" in the module): fixed capacity, 1-based indexes,
 * 27.005 message status. Sparse (a Map), so an empty 255-slot memory costs nothing.
 */

/** 27.005 <stat> in PDU mode: 0 received unread, 1 received read, 2 stored unsent, 3 stored sent. */
export type SmsStat = 0 | 1 | 2 | 3;

export interface StoredSms {
  stat: SmsStat;
  /** Hex PDU including the SMSC field, as +CMGR/+CMGL print it. */
  pdu: string;
  /** Octets after the SMSC field: the <length> of +CMGR/+CMGL. */
  tpduLength: number;
  /** What the simulator encoded (for text mode and for tests); absent for PDUs the host wrote. */
  meta?: { sender: string; text: string; timestamp: string; part: number; parts: number };
}

export class SmsStorage {
  readonly #slots = new Map<number, StoredSms>();

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {}

  get used(): number {
    return this.#slots.size;
  }

  get full(): boolean {
    return this.#slots.size >= this.capacity;
  }

  /** Stores in the lowest free index (what modules do); null when full. */
  store(sms: StoredSms): number | null {
    for (let i = 1; i <= this.capacity; i++) {
      if (!this.#slots.has(i)) {
        this.#slots.set(i, sms);
        return i;
      }
    }
    return null;
  }

  get(index: number): StoredSms | undefined {
    return this.#slots.get(index);
  }

  inRange(index: number): boolean {
    return Number.isInteger(index) && index >= 1 && index <= this.capacity;
  }

  delete(index: number): boolean {
    return this.#slots.delete(index);
  }

  /** AT+CMGD <delflag>: 1 read, 2 read+sent, 3 read+sent+unsent, 4 all (27.005 §3.5.4). */
  deleteByFlag(flag: number): void {
    const doomed: Record<number, readonly SmsStat[]> = { 1: [1], 2: [1, 3], 3: [1, 2, 3], 4: [0, 1, 2, 3] };
    const stats = doomed[flag] ?? [];
    for (const [i, sms] of this.#slots) if (stats.includes(sms.stat)) this.#slots.delete(i);
  }

  /** Entries in index order; `stat` 4 = all. */
  list(stat: number): [number, StoredSms][] {
    return [...this.#slots.entries()].filter(([, s]) => stat === 4 || s.stat === stat).sort((a, b) => a[0] - b[0]);
  }

  snapshot(): { name: string; capacity: number; messages: ({ index: number } & StoredSms)[] } {
    return { name: this.name, capacity: this.capacity, messages: this.list(4).map(([index, s]) => ({ index, ...structuredClone(s) })) };
  }
}
