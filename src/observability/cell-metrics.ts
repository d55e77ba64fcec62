import {
  Counter,
  Histogram,
  type MetricObjectWithValues,
  type MetricValueWithName,
  type Registry,
} from 'prom-client';

/**
 * prom-client metrics for the request path. prom-client's own label
 * children re-check and re-hash their labels and build objects on every
 * call (about 1.5 µs per histogram observation in the running service,
 * measured with a CPU profile). Here each label set is bound once to a cell,
 * and recording is a few additions. Registry, exposition and scraping stay
 * prom-client's: a scrape reads the cells through the metric's `get()`.
 * Record through `cell()` only; the label-object API of the base classes is
 * refused, so that nothing is recorded where no scrape would see it.
 */

type Values = MetricObjectWithValues<MetricValueWithName<string>>;
type MetricType = Values['type'];

// prom-client's typings declare metric types as a numeric enum; its registry
// prints the string its own classes hold, which the exposition format needs.
const HISTOGRAM = 'histogram' as unknown as MetricType;
const COUNTER = 'counter' as unknown as MetricType;

export interface CellMetricOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly registry: Registry;
}

/** One series of a histogram: observations per bucket (the last is +Inf), their sum and number. */
export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    this.counts[bucketOf(this.bounds, value)]! += 1;
    this.sum += value;
    this.count += 1;
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** One series of a counter. */
export class CounterCell {
  value = 0;

  constructor(readonly labels: Readonly<Record<string, string>>) {}

  inc(by = 1): void {
    this.value += by;
  }
}

export class CellHistogram extends Histogram<string> {
  private readonly cellsByKey = new CellMap<HistogramCell>();
  private readonly bounds: readonly number[];

  constructor(
    private readonly options: CellMetricOptions & { readonly buckets: readonly number[] },
  ) {
    const { name, help, labelNames, buckets, registry } = options;
    super({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [registry] });
    this.bounds = [...buckets];
    refuseLabelApi(this, 'observe', name);
  }

  /** The cell of one label set (values in `labelNames` order), bound on first use. */
  cell(...values: string[]): HistogramCell {
    return this.cellsByKey.get(values, () => new HistogramCell(this.bounds, labelsOf(this.options.labelNames, values)));
  }

  cells(): IterableIterator<HistogramCell> {
    return this.cellsByKey.values();
  }

  override async get(): Promise<Values> {
    const values = [...this.cells()].flatMap((cell) => this.series(cell));
    return { name: this.options.name, help: this.options.help, type: HISTOGRAM, aggregator: 'sum', collect: noop, values };
  }

  // The registry prefers this form when a metric has it; the values are the same.
  async getForPromString(): Promise<Values> {
    return this.get();
  }

  // The base constructor calls reset() before this class's fields exist.
  override reset(): void {
    for (const cell of this.cellsByKey?.values() ?? []) cell.clear();
  }

  override labels(): never {
    return refused(this.options.name);
  }

  /** A cell as Prometheus reads it: cumulative buckets, then +Inf, sum and count. */
  private series(cell: HistogramCell): MetricValueWithName<string>[] {
    const bucket = `${this.options.name}_bucket`;
    let cumulative = 0;
    const finite = this.bounds.map((le, index) => {
      cumulative += cell.counts[index]!;
      return { labels: { ...cell.labels, le }, value: cumulative, metricName: bucket };
    });
    return [
      ...finite,
      { labels: { ...cell.labels, le: '+Inf' }, value: cell.count, metricName: bucket },
      { labels: cell.labels, value: cell.sum, metricName: `${this.options.name}_sum` },
      { labels: cell.labels, value: cell.count, metricName: `${this.options.name}_count` },
    ];
  }
}

export class CellCounter extends Counter<string> {
  private readonly cellsByKey = new CellMap<CounterCell>();

  constructor(private readonly options: CellMetricOptions) {
    const { name, help, labelNames, registry } = options;
    super({ name, help, labelNames: [...labelNames], registers: [registry] });
    refuseLabelApi(this, 'inc', name);
  }

  /** The cell of one label set, bound on first use; it is exported from then on, at 0 until counted. */
  cell(...values: string[]): CounterCell {
    return this.cellsByKey.get(values, () => new CounterCell(labelsOf(this.options.labelNames, values)));
  }

  cells(): IterableIterator<CounterCell> {
    return this.cellsByKey.values();
  }

  override async get(): Promise<Values> {
    const values = [...this.cells()].map((cell) => ({ labels: cell.labels, value: cell.value }));
    return { name: this.options.name, help: this.options.help, type: COUNTER, aggregator: 'sum', collect: noop, values };
  }

  async getForPromString(): Promise<Values> {
    return this.get();
  }

  // The base constructor calls reset() before this class's fields exist.
  override reset(): void {
    for (const cell of this.cellsByKey?.values() ?? []) cell.value = 0;
  }

  override labels(): never {
    return refused(this.options.name);
  }
}

/** Cells by their label values, keyed once per label set. */
class CellMap<C> {
  private readonly cells = new Map<string, C>();

  get(values: readonly string[], make: () => C): C {
    const key = values.join('\u0000');
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = make();
      this.cells.set(key, cell);
    }
    return cell;
  }

  values(): IterableIterator<C> {
    return this.cells.values();
  }
}

/** The first bucket whose bound is at least `value`; past the last bound, the +Inf bucket. */
function bucketOf(bounds: readonly number[], value: number): number {
  let low = 0;
  let high = bounds.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (value <= bounds[middle]!) high = middle;
    else low = middle + 1;
  }
  return low;
}

function labelsOf(names: readonly string[], values: readonly string[]): Record<string, string> {
  if (values.length !== names.length) throw new TypeError(`expected the labels ${names.join(', ')}`);
  return Object.fromEntries(names.map((name, index) => [name, values[index]!]));
}

// The base classes set their recording method on each instance, over any subclass method.
function refuseLabelApi(metric: object, method: 'observe' | 'inc', name: string): void {
  Object.defineProperty(metric, method, { value: () => refused(name) });
}

function refused(name: string): never {
  throw new TypeError(`${name}: record through cell(...), not the label API`);
}

function noop(): void {}
