import { readFileSync } from 'node:fs';

/**
 * Apache ECharts' browser build, served by the app from the installed package (no CDN, no network at run time).
 * The path names the installed version, so a browser may cache it for a year and an upgrade changes the URL.
 */
const VERSION = (
  JSON.parse(readFileSync(require.resolve('echarts/package.json'), 'utf8')) as { version: string }
).version;

export const ECHARTS_PATH = `/embed/vendor/echarts-${VERSION}.min.js`;

let body: Buffer | undefined;

/** The minified build (1.1 MB), read on first use. */
export function echartsBuild(): Buffer {
  body ??= readFileSync(require.resolve('echarts/dist/echarts.min.js'));
  return body;
}
