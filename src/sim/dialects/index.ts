import type { SimDialect } from "../profile.js";
import { genericDialect } from "./generic.js";
import { huaweiDialect } from "./huawei.js";
import { quectelDialect } from "./quectel.js";
import { simcomDialect } from "./simcom.js";
import type { DialectSpec } from "./types.js";
import { wavecomDialect } from "./wavecom.js";

export type { DialectSpec, UssdWire } from "./types.js";

const DIALECTS: Record<SimDialect, DialectSpec> = {
  generic: genericDialect,
  simcom: simcomDialect,
  quectel: quectelDialect,
  huawei: huaweiDialect,
  wavecom: wavecomDialect,
};

export function getDialect(name: SimDialect): DialectSpec {
  return DIALECTS[name];
}
