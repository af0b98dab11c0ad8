/** What every pure parser returns: a value, or why the input was not understood. Parsers never throw. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; input: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail<T>(reason: string, input: string | readonly string[]): Parsed<T> {
  return { ok: false, reason, input: typeof input === "string" ? input : input.join("\n") };
}

/** The payload after `+XYZ:` (or `^XYZ:`), trimmed; undefined when the line has another prefix. */
export function afterPrefix(line: string, prefix: string): string | undefined {
  const trimmed = line.trim();
  if (trimmed.toUpperCase().startsWith(prefix.toUpperCase())) return trimmed.slice(prefix.length).trim();
  return undefined;
}

/** First line that carries `prefix`, its payload. */
export function findPrefixed(lines: readonly string[], prefix: string): string | undefined {
  for (const line of lines) {
    const rest = afterPrefix(line, prefix);
    if (rest !== undefined) return rest;
  }
  return undefined;
}

/**
 * Split a 27.007 parameter list on commas outside double quotes, dropping the quotes.
 * Tolerant of broken quoting seen in the wild (`"0B,"0100701"` — gammu tests/at-creg-corner).
 */
export function splitParams(payload: string): string[] {
  // Unbalanced quotes carry no structure we can trust: treat them as noise.
  if ((payload.match(/"/g)?.length ?? 0) % 2 === 1) {
    return payload.replace(/"/g, "").split(",").map((p) => p.trim());
  }
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of payload) {
    if (ch === '"') {
      quoted = !quoted;
      continue;
    }
    if (ch === "," && !quoted) {
      out.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  out.push(current.trim());
  return out;
}
