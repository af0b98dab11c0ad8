/**
 * A SIM card at run time: its profile, PIN state and attempt counters, and its own SMS
 * memory ("SM" lives on the card: pull the SIM and its messages go with it).
 */
import type { SimCardProfile } from "./profile.js";
import { SmsStorage } from "./sms-storage.js";

export type InsertedSimState = "pin" | "puk" | "ready";

export class SimCard {
  state: InsertedSimState;
  pinAttempts = 3;
  pukAttempts = 10;
  readonly sm: SmsStorage;

  constructor(readonly profile: SimCardProfile) {
    this.state = profile.state === "absent" ? "ready" : profile.state;
    this.sm = new SmsStorage("SM", profile.smsCapacity);
  }

  /** AT+CPIN="<pin>": a wrong PIN costs an attempt; after 3 the card wants the PUK (27.007 §8.3). */
  enterPin(pin: string): boolean {
    if (pin === this.profile.pin) {
      this.state = "ready";
      this.pinAttempts = 3;
      return true;
    }
    this.pinAttempts = Math.max(0, this.pinAttempts - 1);
    if (this.pinAttempts === 0) this.state = "puk";
    return false;
  }

  enterPuk(puk: string, newPin: string): boolean {
    if (puk === this.profile.puk && /^\d{4,8}$/.test(newPin)) {
      this.profile.pin = newPin;
      this.state = "ready";
      this.pinAttempts = 3;
      this.pukAttempts = 10;
      return true;
    }
    this.pukAttempts = Math.max(0, this.pukAttempts - 1);
    return false;
  }

  /** The profile as it is now (state and PIN reflect what happened). */
  snapshot(): SimCardProfile {
    return { ...structuredClone(this.profile), state: this.state };
  }
}
