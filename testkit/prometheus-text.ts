// A reader of the Prometheus text exposition format (version 0.0.4), for
// tests that check what GET /metrics says: families with their TYPE, and each
// sample's name, labels and value. Strict: a line it cannot read throws,
// naming it (promtool, where installed, checks the format independently).

export interface Sample {
  /** The sample's own name (a histogram's `_bucket`, `_sum`, `_count` included). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Family name → its TYPE (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function readLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let rest = text.slice(1);
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith("}")) return { labels, rest: rest.slice(1) };
    const name = LABEL_NAME.exec(rest)?.[0];
    if (!name || rest[name.length] !== "=" || rest[name.length + 1] !== '"') throw new Error(`unreadable labels in: ${line}`);
    rest = rest.slice(name.length + 2);
    let value = "";
    for (let i = 0; ; i++) {
      if (i >= rest.length) throw new Error(`unterminated label value in: ${line}`);
      const char = rest[i];
      if (char === "\\") {
        const next = rest[++i];
        value += next === "n" ? "\n" : next;
      } else if (char === '"') {
        rest = rest.slice(i + 1);
        break;
      } else value += char;
    }
    labels[name] = value;
    rest = rest.trimStart();
    if (rest.startsWith(",")) rest = rest.slice(1);
  }
}

function readValue(text: string, line: string): number {
  const [value] = text.trim().split(/\s+/);
  // Values are read as Go's ParseFloat reads them: infinities and NaN in any letter case (prom-client writes "Nan").
  const word = value.toLowerCase();
  if (word === "+inf" || word === "inf") return Number.POSITIVE_INFINITY;
  if (word === "-inf") return Number.NEGATIVE_INFINITY;
  if (word === "nan") return Number.NaN;
  const number = Number(value);
  if (value === "" || Number.isNaN(number)) throw new Error(`unreadable value in: ${line}`);
  return number;
}

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const [, keyword, name, type] = line.split(/\s+/);
      if (keyword === "TYPE") types.set(name, type);
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`unreadable sample: ${line}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) ({ labels, rest } = readLabels(rest, line));
    samples.push({ name, labels, value: readValue(rest, line) });
  }
  return { types, samples };
}

/** The sum of the samples named `name` whose labels include `match`. */
export function total(exposition: Exposition, name: string, match: Record<string, string> = {}): number {
  return exposition.samples
    .filter((sample) => sample.name === name && Object.entries(match).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}
