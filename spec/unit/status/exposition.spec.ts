import { formatValue, negotiate, renderJson, renderOpenMetrics, renderText, type MetricFamily } from '../../../lib/status/exposition';

const families: MetricFamily[] = [
  { name: 'jitsi_jibri_sessions_started', help: 'Sessions started.', type: 'counter', samples: [{ value: 2 }], createdSec: 1700000000.5 },
  { name: 'jitsi_jibri_errors', help: 'Errors.', type: 'counter', samples: [{ value: 0 }], createdSec: 1700000000.5 },
  { name: 'jitsi_jibri_healthy', help: 'Healthy.', type: 'gauge', samples: [{ value: 1 }], boolean: true },
  { name: 'jitsi_jibri_slots', help: 'Slots.', type: 'gauge', samples: [{ value: 3 }] },
  { name: 'jitsi_jibri_encoder_speed_ratio', help: 'Speed "per" slot.', type: 'gauge', samples: [{ labels: { slot: '1' }, value: 1.02 }] },
];

describe("Jibri's metric formats", () => {
  it('writes the text format as simpleclient 0.16: counters as <name>_total, creation times last as gauges', () => {
    expect(renderText(families)).toBe(
      [
        '# HELP jitsi_jibri_sessions_started_total Sessions started.',
        '# TYPE jitsi_jibri_sessions_started_total counter',
        'jitsi_jibri_sessions_started_total 2.0',
        '# HELP jitsi_jibri_errors_total Errors.',
        '# TYPE jitsi_jibri_errors_total counter',
        'jitsi_jibri_errors_total 0.0',
        '# HELP jitsi_jibri_healthy Healthy.',
        '# TYPE jitsi_jibri_healthy gauge',
        'jitsi_jibri_healthy 1.0',
        '# HELP jitsi_jibri_slots Slots.',
        '# TYPE jitsi_jibri_slots gauge',
        'jitsi_jibri_slots 3.0',
        '# HELP jitsi_jibri_encoder_speed_ratio Speed "per" slot.',
        '# TYPE jitsi_jibri_encoder_speed_ratio gauge',
        'jitsi_jibri_encoder_speed_ratio{slot="1"} 1.02',
        '# HELP jitsi_jibri_errors_created Errors.',
        '# TYPE jitsi_jibri_errors_created gauge',
        'jitsi_jibri_errors_created 1.7000000005E9',
        '# HELP jitsi_jibri_sessions_started_created Sessions started.',
        '# TYPE jitsi_jibri_sessions_started_created gauge',
        'jitsi_jibri_sessions_started_created 1.7000000005E9',
        '',
      ].join('\n'),
    );
  });

  it('writes OpenMetrics with the family named without _total, TYPE before HELP, and # EOF', () => {
    const om = renderOpenMetrics(families.slice(0, 3));
    expect(om).toBe(
      [
        '# TYPE jitsi_jibri_sessions_started counter',
        '# HELP jitsi_jibri_sessions_started Sessions started.',
        'jitsi_jibri_sessions_started_total 2.0',
        'jitsi_jibri_sessions_started_created 1.7000000005E9',
        '# TYPE jitsi_jibri_errors counter',
        '# HELP jitsi_jibri_errors Errors.',
        'jitsi_jibri_errors_total 0.0',
        'jitsi_jibri_errors_created 1.7000000005E9',
        '# TYPE jitsi_jibri_healthy gauge',
        '# HELP jitsi_jibri_healthy Healthy.',
        'jitsi_jibri_healthy 1.0',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it("writes Jibri's flat JSON object", () => {
    expect(renderJson(families, 'jitsi_jibri')).toEqual({ sessions_started_total: 2, errors_total: 0, healthy: true, slots: 3, encoder_speed_ratio: { 1: 1.02 } });
  });

  it('formats numbers as Java does', () => {
    expect([0, 1, 2976, 0.5, 1e7, 0.0001, NaN, Infinity, -Infinity].map(formatValue)).toEqual(['0.0', '1.0', '2976.0', '0.5', '1.0E7', '1.0E-4', 'NaN', '+Inf', '-Inf']);
  });

  it('negotiates the format from the Accept header by q', () => {
    expect(negotiate(undefined)).toBe('openMetrics');
    expect(negotiate('*/*')).toBe('openMetrics');
    expect(negotiate('text/plain')).toBe('text');
    expect(negotiate('application/json')).toBe('json');
    // What Prometheus sends.
    expect(negotiate('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('openMetrics');
    expect(negotiate('application/openmetrics-text;q=0.2, text/plain;version=0.0.4;q=0.9')).toBe('text');
    expect(negotiate('image/png')).toBeUndefined();
  });
});
