/** The engine's own EnginePersistence contract suite, run against the SQLite store on real files. */
import { afterEach } from "vitest";
import { openStore, type Store } from "../../src/store/index.js";
import { describePersistenceContract } from "../engine/persistence-contract.js";
import { deliverParts, tempStateDir } from "./helpers.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describePersistenceContract("SqliteEnginePersistence", () => {
  const t = tempStateDir();
  let store: Store = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
  cleanups.push(() => {
    store.close();
    t.cleanup();
  });
  let smsCount = 0;
  return {
    persistence: store.engine,
    // As after a crash: a new process (the lock is held per connection, so the old one goes first).
    reopen: () => {
      store.close();
      store = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
      return store.engine;
    },
    storeSms: () => {
      const parts = deliverParts({ text: `sms ${++smsCount}` });
      for (const p of parts) store.sms.acceptPart(p);
      return store.sms.storeMessage({ portId: "usb-1-1", iccid: parts[0]!.iccid, sender: "Facebook", text: `sms ${smsCount}`, parts, missingParts: [], timestamp: null }).id;
    },
  };
}, { durable: true });
