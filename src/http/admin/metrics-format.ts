/**
 * Prometheus text exposition format 0.0.4, written by hand: a dozen families do not need
 * a client library, and the format is small (HELP, TYPE, then `name{labels} value` lines).
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */

export type MetricType = "counter" | "gauge" | "summary";
export type Labels = Readonly<Record<string, string | number>>;

export interface Sample {
  labels?: Labels;
  value: number;
  /** Appended to the family name: `_sum` and `_count` of a summary. */
  suffix?: string;
}

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values: backslash, double quote and line feed are escaped (the format's only escapes). */
export const escapeLabelValue = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
/** HELP text: backslash and line feed only. */
export const escapeHelp = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

export function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

function formatLabels(labels: Labels | undefined): string {
  if (!labels) return "";
  const parts = Object.entries(labels).map(([k, v]) => {
    if (!LABEL.test(k) || k.startsWith("__")) throw new Error(`invalid label name ${k}`);
    return `${k}="${escapeLabelValue(String(v))}"`;
  });
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** Collects families; `text()` is the response body. A family name may appear once (the format requires it). */
export class Exposition {
  readonly #lines: string[] = [];
  readonly #names = new Set<string>();

  family(name: string, type: MetricType, help: string, samples: Iterable<Sample>): this {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    if (this.#names.has(name)) throw new Error(`metric ${name} written twice`);
    this.#names.add(name);
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const s of samples) this.#lines.push(`${name}${s.suffix ?? ""}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    return this;
  }

  /** Shorthand for a family with one unlabelled sample (nothing when the value is unknown). */
  single(name: string, type: MetricType, help: string, value: number | null | undefined): this {
    return this.family(name, type, help, value === null || value === undefined ? [] : [{ value }]);
  }

  text(): string {
    return `${this.#lines.join("\n")}\n`;
  }
}
