import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { TalkTrackPreviewDto } from './talk-track-preview.dto';
import { TalkTrackPreviewService } from './talk-track-preview.service';
import { TalkTrackPreviewSchema } from './workspace.views';

/**
 * The workspace's talk-track templates: stored with PATCH /v1/workspace (settings.talkTracks.templates, checked
 * against every combination on save), tried here first. See docs/playbooks.md.
 */
@ApiTags('workspace')
@ApiBearerAuth()
@Controller('v1/workspace/talk-tracks')
export class TalkTracksController {
  constructor(private readonly previews: TalkTrackPreviewService) {}

  @Post('preview')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Render talk-track templates (given or stored) for one combination, against fixtures',
  })
  @ApiOkResponse({ schema: TalkTrackPreviewSchema })
  @ApiUnprocessableEntityResponse({
    description: 'invalid_template: details.issues[] with the template, line, column and Handlebars message',
  })
  preview(@CurrentPrincipal() p: Principal, @Body() body: TalkTrackPreviewDto) {
    return this.previews.preview(p.workspaceId, body);
  }
}
