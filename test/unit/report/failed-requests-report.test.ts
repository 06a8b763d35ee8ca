// Reports list failed requests apart: by status (not accepted) and by error code (issue 11 item 3).
import { describe, expect, it } from 'vitest';
import { errorId } from '../../../src/core/errors.js';
import { FAILED_STATUS, Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import { renderHtml } from '../../../src/report/html-report.js';
import { renderMarkdown } from '../../../src/report/markdown-report.js';
import { renderText } from '../../../src/report/text-report.js';

const env = { fastbenchVersion: '0', node: 'v', cpuModel: 'c', cores: 1 };

describe('errors by status vs by code', () => {
  const rec = new Recorder({ requestNames: ['a'], startMs: 0 });
  for (let i = 0; i < 3; i++) rec.record(0, 1000, 1000, 503, 10, 5, FAILED_STATUS);
  rec.recordError(0, errorId('ERR_CONN_RESET'), 500);
  rec.record(0, 1000, 1000, 200, 10, 5);
  const r = buildRunResult(rec.snapshot(1000), { scenario: 's', environment: env });

  it('text', () => {
    const text = renderText(r);
    expect(text).toContain('status: 503 × 3, 200 × 1');
    expect(text).toContain('errors by status: 503 × 3');
    expect(text).toContain('errors by code: ERR_CONN_RESET × 1');
  });

  it('markdown and html', () => {
    const md = renderMarkdown(r);
    expect(md).toContain('| status 503 | 3 | 75.00% |');
    expect(md).toContain('| ERR\\_CONN\\_RESET | 1 | 25.00% |');
    const html = renderHtml(r);
    expect(html).toContain('<code>status 503</code>');
    expect(html).toContain('<code>ERR_CONN_RESET</code>');
  });
});
