/** The modem-agnostic AT layer: framer, final results, URC registry, command machine, channel. */
export { AtChannel, type AtChannelEvents, type AtChannelOptions, type AtChannelStats } from "./channel.js";
export { deriveExpectPrefix, redactCommand, resolveCommand, type AtCommand, type AtResponse, type ResolvedCommand } from "./command.js";
export {
  initialState,
  isTerminal,
  transition,
  type CommandInput,
  type CommandState,
  type FailReason,
  type MachineSpec,
} from "./command-machine.js";
export {
  classifyFinal,
  cmeCodeForText,
  cmeText,
  cmsCodeForText,
  cmsText,
  finalResultError,
  type ErrorFinal,
  type FinalKind,
  type FinalResult,
} from "./final-result.js";
export { AtFramer, frameChunks, type DiscardReason, type FramerEvent, type FramerOptions } from "./framer.js";
export { UrcRegistry, type UrcHandle, type UrcSpec } from "./urc-registry.js";
