import { PrometheusText } from './prometheus-text';

describe('PrometheusText', () => {
  it('writes families, labelled samples with escaping, and histograms', () => {
    const text = new PrometheusText()
      .family('labfleet_labs', 'gauge', 'Labs by state')
      .sample('labfleet_labs', 3, { status: 'ready', template: 'do"cker' })
      .histogram('labfleet_provision_duration_seconds', 'Provision time', [0.5, 1], [2, 5], 6, 4.25)
      .toString();
    expect(text).toBe(
      [
        '# HELP labfleet_labs Labs by state',
        '# TYPE labfleet_labs gauge',
        'labfleet_labs{status="ready",template="do\\"cker"} 3',
        '# HELP labfleet_provision_duration_seconds Provision time',
        '# TYPE labfleet_provision_duration_seconds histogram',
        'labfleet_provision_duration_seconds_bucket{le="0.5"} 2',
        'labfleet_provision_duration_seconds_bucket{le="1"} 5',
        'labfleet_provision_duration_seconds_bucket{le="+Inf"} 6',
        'labfleet_provision_duration_seconds_sum 4.25',
        'labfleet_provision_duration_seconds_count 6',
        '',
      ].join('\n'),
    );
  });
});
