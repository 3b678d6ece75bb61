/**
 * SVG -> PNG with resvg (@resvg/resvg-js: the Rust renderer, a prebuilt native binary per platform installed from
 * the npm registry; nothing is downloaded at run time, no browser). Text is set in DejaVu Sans from the
 * dejavu-fonts-ttf package, never the machine's fonts: the same picture renders the same on every machine.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import type { RcaReport } from '../rca/contract.js';
import { pictureAltText, pictureSvg } from './render-picture.js';

const require = createRequire(import.meta.url);
const FONT_FILES = [
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
];

/** Rasterizes an SVG at its own size (or `scale` times it). */
export function svgToPng(svg: string, scale = 1): Buffer {
  const r = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: 'DejaVu Sans' },
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    background: '#ffffff',
  });
  return r.render().asPng();
}

export interface Picture {
  readonly png: Buffer;
  readonly svg: string;
  readonly altText: string;
  readonly width: number;
  readonly height: number;
}

/** The report's picture (causal chain and critical path vs baseline), or undefined when it has nothing to draw. */
export function renderPicture(report: RcaReport, title: string): Picture | undefined {
  const svg = pictureSvg(report, title);
  if (svg === undefined) return undefined;
  const png = svgToPng(svg);
  return { png, svg, altText: pictureAltText(report), width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
