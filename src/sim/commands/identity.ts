/** Who the module is: 27.007 §5.1–5.4 and V.250 `I` (docs/protocols/at-commands.md#identity). */
import { ok, type CommandTable, type Handler } from "./types.js";

const manufacturer: Handler = (m) => ok([m.profile.manufacturer]);
const model: Handler = (m) => ok([m.profile.model]);
const revision: Handler = (m) => ok([m.profile.revision]);
const imei: Handler = (m) => ok([m.profile.imei]);

export const identityCommands: CommandTable = {
  "+CGMI": { exec: manufacturer },
  "+GMI": { exec: manufacturer },
  "+CGMM": { exec: model },
  "+GMM": { exec: model },
  "+CGMR": { exec: revision },
  "+GMR": { exec: revision },
  "+CGSN": { exec: imei },
  "+GSN": { exec: imei },
  I: { exec: (m) => ok(m.dialect.ati(m)) },
};
