import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { PlaybooksService } from '../playbooks/playbooks.service';
import type { RenderedTalkTrack, TemplateOverrides } from '../playbooks/talk-track';
import { fixtureContext } from '../playbooks/talk-track-check';
import { issueText } from '../playbooks/talk-track-settings';
import type { TalkTrackPreviewDto } from './talk-track-preview.dto';
import { WorkspaceSettingsService } from './workspace-settings.service';

/**
 * Renders a workspace's talk-track templates (stored, or ones being edited) for one combination against the
 * fixtures. Templates that fail for any combination are refused the same way a save refuses them.
 */
@Injectable()
export class TalkTrackPreviewService {
  constructor(
    private readonly settings: WorkspaceSettingsService,
    private readonly playbooks: PlaybooksService,
  ) {}

  async preview(workspaceId: string, body: TalkTrackPreviewDto): Promise<RenderedTalkTrack> {
    const templates = body.templates ?? (await this.storedTemplates(workspaceId));
    const bad = Object.entries(templates).find(([, v]) => typeof v !== 'string');
    if (bad) {
      throw new AppError('validation_failed', 'templates must map names to template text', 400, {
        issues: [{ path: `templates.${bad[0]}`, message: 'must be template text' }],
      });
    }
    const issues = this.playbooks.check(templates);
    if (issues.length) {
      throw new AppError('invalid_template', issues.map(issueText).join('; '), 422, {
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

  private async storedTemplates(workspaceId: string): Promise<TemplateOverrides> {
    const ws = await this.settings.show(workspaceId);
    const section = ws.overrides.talkTracks as { templates?: TemplateOverrides } | undefined;
    return section?.templates ?? {};
  }
}
