/** SIM switching as data and pure functions: multi-slot module commands, SIM-bank board commands, switch URCs. */
export * from "./slot-commands.js";
export * from "./board-commands.js";
export * from "./switch-urcs.js";
