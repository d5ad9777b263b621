import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import {
  createTalkTrackRenderer,
  RenderedTalkTrack,
  TalkTrackContext,
  TalkTrackRenderer,
} from './talk-track';

/** Talk tracks rendered from the Handlebars templates in `templates/talk-tracks/`, compiled once per process. */
@Injectable()
export class PlaybooksService {
  private renderer?: TalkTrackRenderer;

  render(ctx: TalkTrackContext): RenderedTalkTrack {
    this.renderer ??= createTalkTrackRenderer(findTemplatesDir());
    return this.renderer.render(ctx);
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
