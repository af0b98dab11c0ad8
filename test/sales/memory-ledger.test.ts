/** The ledger contract on the in-memory store: as it is, and with every call answered a few event-loop turns later (a store across a network). */
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { describeLedgerContract } from "./ledger-contract.js";

describeLedgerContract("MemoryLedger", () => {
  const ledger = new MemoryLedger();
  return { ledger, reopen: () => MemoryLedger.fromSnapshot(ledger.snapshot()) };
});

describeLedgerContract("MemoryLedger, answering 3 turns late", () => {
  const ledger = new MemoryLedger({ turnsBeforeWrite: 3 });
  return { ledger, reopen: () => MemoryLedger.fromSnapshot(ledger.snapshot(), { turnsBeforeWrite: 3 }) };
});
