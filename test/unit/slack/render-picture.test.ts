/** The picture of an analysis: SVG built from the report's typed fields, deterministic, rendered to a PNG by resvg. */
import { describe, expect, it } from 'vitest';
import type { RcaReport } from '../../../src/rca/contract.js';
import { pictureAltText, pictureSvg } from '../../../src/slack/render-picture.js';
import { renderPicture, svgToPng } from '../../../src/slack/picture-png.js';
import { fixtureReport } from '../agent/report-builders.js';

const report = fixtureReport('nezha-tt-2023-01-29-0921');

describe('the picture', () => {
  it('draws every service of the chain in its role and both critical paths', () => {
    const svg = pictureSvg(report, 'p99 latency <on> ts-gateway-service') ?? '';
    for (const s of [
      ...report.roles.rootCause,
      ...report.roles.propagation,
      report.roles.bottleneck ?? '',
      report.roles.symptom,
    ])
      expect(svg).toContain(`>${s}</text>`);
    expect(svg).toContain('root cause</text>');
    expect(svg).toContain('Proof trace (during the incident)');
    expect(svg).toContain('Baseline trace (before onset)');
    expect(svg).toContain('p99 latency &lt;on&gt; ts-gateway-service');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('is the same picture for the same report (SVG and PNG bytes)', () => {
    expect(pictureSvg(report, 't')).toBe(pictureSvg(structuredClone(report), 't'));
    expect(renderPicture(report, 't')?.png.equals(renderPicture(report, 't')?.png ?? Buffer.alloc(0))).toBe(true);
  });

  it('renders a PNG of the SVG size with text set in the bundled font', () => {
    const p = renderPicture(report, 'p99 latency on ts-gateway-service');
    expect(p?.png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(p?.width).toBe(1200);
    expect(p?.height).toBe(Number(/height="(\d+)"/.exec(p?.svg ?? '')?.[1]));
    // Text is drawn: the same picture without its text has fewer distinct bytes.
    const blank = svgToPng((p?.svg ?? '').replace(/<text[^>]*>[^<]*<\/text>/g, ''));
    expect(blank.length).toBeLessThan((p?.png.length ?? 0) * 0.8);
  });

  it('leaves out a panel with nothing to draw, and draws nothing for a report with neither', () => {
    const noTrace: RcaReport = { ...report, criticalPath: [], baselineCriticalPath: [] };
    expect(pictureSvg(noTrace, 't')).not.toContain('Critical path');
    const nothing: RcaReport = {
      ...noTrace,
      serviceEdges: [],
      roles: { rootCause: [], propagation: [], bottleneck: null, symptom: 'web' },
    };
    expect(pictureSvg(nothing, 't')).toBeUndefined();
  });

  it('keeps a large service map and a long critical path readable (capped, the rest counted)', () => {
    const edges = Array.from({ length: 40 }, (_, i) => ({
      caller: report.roles.symptom,
      callee: `svc-${String(i).padStart(2, '0')}`,
    }));
    const steps = Array.from({ length: 60 }, (_, i) => ({
      service: `svc-${i}`,
      operation: 'op',
      startOffsetMs: i,
      durationMs: 100 - i,
      exclusiveMs: (i * 7) % 13,
      spanId: `s${i}`,
    }));
    const svg =
      pictureSvg({ ...report, serviceEdges: [...(report.serviceEdges ?? []), ...edges], criticalPath: steps }, 't') ??
      '';
    expect((svg.match(/<rect [^>]*rx="8"/g) ?? []).length).toBeLessThanOrEqual(10);
    expect(svg).toContain('+ 48 shorter steps not drawn');
  });

  it('says the chain in words for screen readers', () => {
    expect(pictureAltText(report)).toMatch(
      /^Causal chain: root cause .+ -> .*symptom ts-gateway-service; critical path/,
    );
  });
});
