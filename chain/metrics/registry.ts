// A small Prometheus registry: counters, gauges and histograms with labels, written in the text
// exposition format 0.0.4 (# HELP, # TYPE, one sample a line, histograms as _bucket{le}, _sum,
// _count). Gauges may be read at scrape time (collect). Label sets are bounded per metric so that
// a stream of distinct label values cannot grow memory without bound.

export type Labels = Record<string, string>;

/** The most label sets one metric keeps; more are folded into the last one's "other" set. */
const maxSeries = 1000;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function labelText(l: Labels, extra?: [string, string]): string {
  const parts = Object.keys(l)
    .sort()
    .map((k) => `${k}="${escapeLabel(l[k]!)}"`);
  if (extra !== undefined) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

const validName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

interface Metric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  render(): Promise<string[]>;
}

class Series<T> {
  private readonly map = new Map<string, { labels: Labels; value: T }>();
  constructor(private readonly init: () => T) {}
  get(labels: Labels): T {
    const key = labelText(labels);
    let s = this.map.get(key);
    if (s === undefined) {
      if (this.map.size >= maxSeries) {
        const other = { other: "true" };
        const k = labelText(other);
        s = this.map.get(k) ?? { labels: other, value: this.init() };
        this.map.set(k, s);
        return s.value;
      }
      s = { labels: { ...labels }, value: this.init() };
      this.map.set(key, s);
    }
    return s.value;
  }
  entries(): Array<{ labels: Labels; value: T }> {
    return [...this.map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
  }
}

export class Counter implements Metric {
  readonly type = "counter";
  private readonly series = new Series(() => ({ v: 0 }));
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) return;
    this.series.get(labels).v += by;
  }
  async render(): Promise<string[]> {
    return this.series.entries().map((s) => `${this.name}${labelText(s.labels)} ${num(s.value.v)}`);
  }
}

export class Gauge implements Metric {
  readonly type = "gauge";
  private readonly series = new Series(() => ({ v: 0 }));
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect?: (g: Gauge) => Promise<void> | void,
  ) {}
  set(v: number, labels: Labels = {}): void {
    this.series.get(labels).v = v;
  }
  async render(): Promise<string[]> {
    if (this.collect !== undefined) {
      try {
        await this.collect(this);
      } catch {
        // keep the last values
      }
    }
    return this.series.entries().map((s) => `${this.name}${labelText(s.labels)} ${num(s.value.v)}`);
  }
}

export class Histogram implements Metric {
  readonly type = "histogram";
  private readonly series: Series<{ counts: number[]; sum: number; count: number }>;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    for (let i = 1; i < buckets.length; i++)
      if (!(buckets[i]! > buckets[i - 1]!)) throw new Error(`${name}: buckets must increase`);
    this.series = new Series(() => ({ counts: buckets.map(() => 0), sum: 0, count: 0 }));
  }
  observe(v: number, labels: Labels = {}): void {
    if (!Number.isFinite(v)) return;
    const s = this.series.get(labels);
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }
  async render(): Promise<string[]> {
    const out: string[] = [];
    for (const s of this.series.entries()) {
      this.buckets.forEach((b, i) =>
        out.push(`${this.name}_bucket${labelText(s.labels, ["le", num(b)])} ${s.value.counts[i]}`),
      );
      out.push(`${this.name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${s.value.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${num(s.value.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.value.count}`);
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  private add<T extends Metric>(m: T): T {
    if (!validName.test(m.name)) throw new Error(`invalid metric name ${m.name}`);
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string, collect?: (g: Gauge) => Promise<void> | void): Gauge {
    return this.add(new Gauge(name, help, collect));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  /** The text exposition of every metric; a gauge whose collector fails keeps its last values. */
  async render(): Promise<string> {
    const lines: string[] = [];
    for (const m of this.metrics) {
      let samples: string[];
      try {
        samples = await m.render();
      } catch {
        samples = [];
      }
      lines.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`, ...samples);
    }
    return lines.join("\n") + "\n";
  }
}
