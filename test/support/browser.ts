import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Browser tests drive the machine's Chromium (Debian's `chromium` package; `.ci/run` installs it with
 * fonts-noto-cjk) through playwright-core, which downloads no browser of its own. Where none is found, the suites
 * are skipped with a loud message rather than failing, and the message says how to install one.
 */
const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export function chromiumPath(): string | null {
  return CANDIDATES.find((p): p is string => !!p && existsSync(p)) ?? null;
}

/** `describe` when a browser exists; otherwise a skipped describe and a warning that cannot be missed. */
export function describeInBrowser(name: string, fn: () => void): void {
  if (chromiumPath()) {
    describe(name, fn);
    return;
  }
  const line = '!'.repeat(100);
  console.warn(
    `${line}\n!! SKIPPED browser suite "${name}": no Chromium found (${CANDIDATES.filter(Boolean).join(', ')}).\n` +
      `!! Install one: apt-get install -y chromium fonts-noto-cjk   (or set CHROMIUM_PATH)\n${line}`,
  );
  describe.skip(name, fn);
}

export function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium: see describeInBrowser');
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--font-render-hinting=none'],
  });
}

let axeSource: string | undefined;

/** Serious and critical axe-core violations of the page (axe injected through the protocol, so CSP allows it). */
export async function seriousAxeViolations(
  page: Page,
): Promise<Array<{ id: string; impact: string; help: string; nodes: string[] }>> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  // browser-side code as text: this project compiles without the DOM library
  const result = (await page.evaluate(`(async () => {
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.html),
    }));
  })()`)) as Array<{ id: string; impact: string; help: string; nodes: string[] }>;
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Characters of `text` the page draws as the missing-glyph box (tofu): each is drawn in the page's own font stack and
 * compared pixel by pixel with a code point no font has.
 */
export async function tofuCharacters(page: Page, text: string): Promise<string[]> {
  return (await page.evaluate(`((chars) => {
    const family = getComputedStyle(document.body).fontFamily;
    const draw = (ch) => {
      const canvas = document.createElement('canvas');
      canvas.width = 48;
      canvas.height = 48;
      const ctx = canvas.getContext('2d');
      ctx.font = '32px ' + family;
      ctx.fillText(ch, 4, 36);
      return Array.from(ctx.getImageData(0, 0, 48, 48).data).join(',');
    };
    const box = draw('\\u{10FFFD}');
    const out = new Set();
    for (const ch of new Set(Array.from(chars))) {
      if (/\\s/.test(ch)) continue;
      if (draw(ch) === box) out.add(ch);
    }
    return [...out];
  })(${JSON.stringify(text)})`)) as string[];
}
