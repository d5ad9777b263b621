import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { PlaybooksService } from '../playbooks/playbooks.service';
import type { RenderedTalkTrack, TemplateOverrides } from '../playbooks/talk-track';
import { fixtureContext } from '../playbooks/talk-track-check';
import { DEFAULT_VARIANT, issueText } from '../playbooks/talk-track-settings';
import type { TalkTrackPreviewDto } from './talk-track-preview.dto';
import { WorkspaceSettingsService } from './workspace-settings.service';

/**
 * Renders a workspace's talk-track templates (stored, or ones being edited) for one combination against the
 * fixtures, with a variant's templates over the workspace's when one is named. Templates that fail for any
 * combination are refused the same way a save refuses them.
 */
@Injectable()
export class TalkTrackPreviewService {
  constructor(
    private readonly settings: WorkspaceSettingsService,
    private readonly playbooks: PlaybooksService,
  ) {}

  async preview(workspaceId: string, body: TalkTrackPreviewDto): Promise<RenderedTalkTrack> {
    const templates = await this.templatesFor(workspaceId, body);
    const bad = Object.entries(templates).find(([, v]) => typeof v !== 'string');
    if (bad) {
      throw new AppError('validation_failed', 'templates must map names to template text', 400, {
        issues: [{ path: `templates.${bad[0]}`, message: 'must be template text' }],
      });
    }
    const issues = this.playbooks.check(templates);
    if (issues.length) {
      throw new AppError('invalid_template', issues.map((i) => issueText(i)).join('; '), 422, {
        issues: issues.map((i) => ({
          path: issueText(i).split(': ')[0],
          template: i.template.replace(/ \(workspace override\)$/, ''),
          line: i.line,
          column: i.column,
          message: i.message,
        })),
      });
    }
    return this.playbooks.render(
      fixtureContext({
        locale: body.locale,
        personality: body.personality,
        situation: body.situation,
        valueTier: body.valueTier,
        offerType: body.offerType,
        facts: body.facts ?? 'rich',
      }),
      templates,
    );
  }

  /**
   * Without a variant: the given templates, else the stored ones. With one: the variant's templates (given, else
   * stored; 422 unknown_variant when neither) over the workspace's stored templates, as a list item renders them.
   */
  private async templatesFor(workspaceId: string, body: TalkTrackPreviewDto): Promise<TemplateOverrides> {
    const variant = body.variant ?? DEFAULT_VARIANT;
    if (variant === DEFAULT_VARIANT && body.templates) return body.templates;
    const ws = await this.settings.show(workspaceId);
    const section = ws.overrides.talkTracks as
      | { templates?: TemplateOverrides; variants?: Record<string, { templates?: TemplateOverrides }> }
      | undefined;
    const workspace = section?.templates ?? {};
    if (variant === DEFAULT_VARIANT) return workspace;
    const own = body.templates ?? section?.variants?.[variant]?.templates;
    if (!own) {
      throw new AppError('unknown_variant', `variant: no talk-track variant ${variant}`, 422, {
        issues: [
          { path: 'variant', message: 'not in settings.talkTracks.variants; give its templates to try it' },
        ],
      });
    }
    return { ...workspace, ...own };
  }
}
