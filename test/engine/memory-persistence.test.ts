import { MemoryPersistence } from "../../src/engine/memory-persistence.js";
import { describePersistenceContract } from "./persistence-contract.js";

describePersistenceContract("MemoryPersistence", () => {
  const persistence = new MemoryPersistence();
  return { persistence, reopen: () => MemoryPersistence.fromSnapshot(persistence.snapshot()) };
});
