/** Builds the Prometheus text exposition format (version 0.0.4). Pure, so its output is testable. */
export class PrometheusText {
  private readonly lines: string[] = [];

  family(name: string, type: 'gauge' | 'counter' | 'histogram', help: string): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, labels: Record<string, string> = {}): this {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
    this.lines.push(`${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${Number.isFinite(value) ? value : value > 0 ? '+Inf' : '-Inf'}`);
    return this;
  }

  /** A histogram from cumulative bucket counts (one per bound, `+Inf` = count). */
  histogram(name: string, help: string, bounds: readonly number[], cumulative: readonly number[], count: number, sum: number): this {
    this.family(name, 'histogram', help);
    bounds.forEach((b, i) => this.sample(`${name}_bucket`, cumulative[i], { le: String(b) }));
    return this.sample(`${name}_bucket`, count, { le: '+Inf' }).sample(`${name}_sum`, sum).sample(`${name}_count`, count);
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
