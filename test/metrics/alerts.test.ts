import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { Metrics } from '../../src/metrics/metrics';

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = (
  yaml.load(readFileSync(join(__dirname, '../../docs/alerts.yml'), 'utf8')) as {
    groups: Array<{ name: string; rules: Rule[] }>;
  }
).groups.flatMap((g) => g.rules);

/** The metric names an expression reads (identifiers followed by `{`, `[`, or standing as a term). */
function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\b(callplan|process|nodejs)_[a-z0-9_]+/g) ?? [])];
}

/** docs/alerts.yml: the documented alert set parses and reads only metrics that /metrics exports. */
describe('docs/alerts.yml', () => {
  const exported = new Set(
    new Metrics().names().flatMap((n) => [n, `${n}_bucket`, `${n}_count`, `${n}_sum`]),
  );

  it('has the alerts docs/operations.md promises, each with a summary and a severity', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'CallplanScoringRunLate',
        'CallplanQueueStuck',
        'CallplanWebhookDeliveriesFailing',
        'CallplanCrmInboxFailing',
        'CallplanHttp5xx',
        'CallplanRateLimitSpike',
      ]),
    );
    for (const r of rules) {
      expect([r.alert, typeof r.annotations?.summary, r.labels?.severity]).toEqual([
        r.alert,
        'string',
        expect.stringMatching(/^(page|ticket)$/),
      ]);
    }
  });

  it('names in every expression only metrics that exist', () => {
    const unknown = rules.flatMap((r) => {
      const names = metricNames(r.expr);
      expect(names.length).toBeGreaterThan(0);
      return names.filter((n) => !exported.has(n)).map((n) => `${r.alert}: ${n}`);
    });
    expect(unknown).toEqual([]);
  });

  it('catches a misspelt metric (the check can fail)', () => {
    expect(
      metricNames('rate(callplan_http_request_duraton_seconds_count[5m]) > 1').filter(
        (n) => !exported.has(n),
      ),
    ).toEqual(['callplan_http_request_duraton_seconds_count']);
  });
});
