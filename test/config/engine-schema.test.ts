/**
 * The `engine:` block: the config layer owns its schema, the engine declares the plain
 * type it reads. Neither imports the other, so this test holds them together.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { parseEngineConfig, type EngineConfigOutput } from "../../src/config/engine-schema.js";
import { validateConfig } from "../../src/config/load.js";
import type { EngineConfig } from "../../src/markets/onlinesim/engine-config.js";

describe("the engine block", () => {
  it("parses to exactly the type the engine declares (checked by the type checker)", () => {
    expectTypeOf<EngineConfigOutput>().toEqualTypeOf<EngineConfig>();
    const parsed: Readonly<EngineConfig> = parseEngineConfig({ services: ["Telegram"] });
    expect(parsed.services).toEqual(["telegram"]);
  });

  it("is the same block in the whole config file as parsed alone, defaults included", () => {
    const config = validateConfig({ engine: { services: ["vk"], cancelLimit: 2 } });
    expect(config.engine).toEqual(parseEngineConfig({ services: ["vk"], cancelLimit: 2 }));
    expect(validateConfig({}).engine).toEqual(parseEngineConfig({}));
  });

  it("refuses an unknown key in the file, as the strict sections do", () => {
    expect(() => validateConfig({ engine: { servces: ["vk"] } })).toThrow(/engine\.servces: unknown key/);
  });
});
