import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { findTemplatesDir } from '../playbooks/playbooks.service';
import { PageLocale, UI } from './page-labels';

/** Files the pages load from `/embed/static/` (no CDN): name → content type. */
const STATIC: Record<string, string> = {
  'embed.css': 'text/css; charset=utf-8',
  'embed.js': 'text/javascript; charset=utf-8',
  'manager.css': 'text/css; charset=utf-8',
  'manager.js': 'text/javascript; charset=utf-8',
};

/** The templates, read at start-up: the layout, the rep workspace's, the manager dashboard's and the error page. */
const TEMPLATES = [
  'layout',
  'rep',
  'rep-drawer',
  'error',
  'manager',
  'manager-load',
  'manager-movers',
  'manager-proposal',
  'manager-customers',
  'manager-experiment',
];

/**
 * The embeddable pages' Handlebars templates (`templates/web/*.hbs`, HTML-escaped) inside the shared layout
 * (`layout.hbs`: head, stylesheet, script), the friendly error page, and the static assets. Read once at start-up.
 */
@Injectable()
export class PageRenderer {
  private readonly dir = join(findTemplatesDir(), '..', 'web');
  private readonly hbs = Handlebars.create();
  private readonly templates = new Map<string, HandlebarsTemplateDelegate>();
  private readonly assets = new Map<string, { body: Buffer; type: string }>();

  constructor() {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    // a template includes another as {{> name}} (the dashboard's load table, on the page and after an apply)
    this.hbs.registerPartial('manager-load', readFileSync(join(this.dir, 'manager-load.hbs'), 'utf8'));
    for (const name of TEMPLATES) {
      this.templates.set(name, this.hbs.compile(readFileSync(join(this.dir, `${name}.hbs`), 'utf8')));
    }
    for (const [name, type] of Object.entries(STATIC)) {
      this.assets.set(name, { body: readFileSync(join(this.dir, 'static', name)), type });
    }
  }

  /** A fragment (no layout), e.g. the drawer. */
  fragment(name: string, model: object): string {
    return this.templates.get(name)!(model);
  }

  /** A whole page: `name` inside the layout. */
  page(name: string, model: { locale: PageLocale; title: string; [key: string]: unknown }): string {
    const body = this.fragment(name, model);
    return this.templates.get('layout')!({ ...model, body });
  }

  /** The friendly page of a refused token, in the viewer's language (`words`: the page's own, the rep page's by default). */
  errorPage(locale: PageLocale, status: 401 | 403, words: Record<string, string> = UI[locale]): string {
    const ui = words;
    const title = status === 401 ? ui.errorTitle : ui.forbiddenTitle;
    return this.page('error', {
      locale,
      title,
      heading: title,
      text: status === 401 ? ui.errorBody : ui.forbiddenBody,
    });
  }

  asset(name: string): { body: Buffer; type: string } | undefined {
    return this.assets.get(name);
  }
}
