import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import {
  createTalkTrackRenderer,
  RenderedTalkTrack,
  TalkTrackRenderer,
  TemplateOverrides,
} from './talk-track';
import { overrideIssues, TemplateIssue } from './talk-track-check';
import type { TalkTrackContext } from './talk-track-view';

/** Renderers kept per distinct set of workspace overrides (the default set is one of them). */
const MAX_RENDERERS = 32;

/**
 * Talk tracks rendered from the Handlebars templates in `templates/talk-tracks/`, compiled once per process and
 * once per distinct set of workspace overrides.
 */
@Injectable()
export class PlaybooksService {
  private readonly renderers = new Map<string, TalkTrackRenderer>();

  render(ctx: TalkTrackContext, overrides: TemplateOverrides = {}): RenderedTalkTrack {
    return this.rendererFor(overrides).render(ctx);
  }

  /** What is wrong with a workspace's overrides: compiled and rendered for every call against fixtures. */
  check(overrides: TemplateOverrides): TemplateIssue[] {
    return overrideIssues(findTemplatesDir(), overrides);
  }

  private rendererFor(overrides: TemplateOverrides): TalkTrackRenderer {
    const key = JSON.stringify(Object.entries(overrides).sort(([a], [b]) => a.localeCompare(b)));
    let renderer = this.renderers.get(key);
    if (!renderer) {
      renderer = createTalkTrackRenderer(findTemplatesDir(), overrides);
      if (this.renderers.size >= MAX_RENDERERS) this.renderers.delete(this.renderers.keys().next().value!);
      this.renderers.set(key, renderer);
    }
    return renderer;
  }
}

/** The project's templates/talk-tracks folder, found upwards from this file (works from src/ and from dist/). */
export function findTemplatesDir(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates', 'talk-tracks');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`templates/talk-tracks not found above ${from}`);
  }
}
