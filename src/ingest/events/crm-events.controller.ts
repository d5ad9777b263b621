import { ReceivedView } from '../ingest.views';
import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../auth/principal';
import { CrmInboxService, Received } from './crm-inbox.service';

/**
 * Inbound CRM webhooks. Authenticated by the Standard Webhooks signature with the workspace's inbound secret (not
 * by an API key); the body arrives raw (see CRM_EVENTS_PATH in bootstrap) so the signature covers the exact bytes.
 */
@ApiTags('crm sync')
@Controller('v1/crm/events')
export class CrmEventsController {
  constructor(private readonly inbox: CrmInboxService) {}

  @Post(':workspaceSlug')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Receive a signed batch of CRM events (stored, then applied by a job)',
    description:
      'Body `{ "source"?: "crm", "events": [{ "id"?, "type", "data" }] }`, at most 1 MB and 1000 events. ' +
      'Types: customer.upserted|deleted|restored|merged, order.upserted|deleted|restored, interaction.created. ' +
      'See docs/crm-sync.md.',
  })
  @ApiHeader({ name: 'webhook-id', required: true })
  @ApiHeader({ name: 'webhook-timestamp', required: true, description: 'unix seconds; 5-minute tolerance' })
  @ApiHeader({ name: 'webhook-signature', required: true, description: 'v1,<base64 HMAC-SHA256>' })
  @ApiBody({ schema: { type: 'object' } })
  @ApiResponse({
    status: 400,
    description: 'malformed_json | validation_failed (details: path, code, message)',
  })
  @ApiResponse({
    status: 401,
    description: 'missing_signature_headers | invalid_signature | stale_signature',
  })
  @ApiResponse({ status: 413, description: 'payload_too_large | too_many_events' })
  @ApiAcceptedResponse({
    schema: ReceivedView,
    description: 'stored (or a duplicate webhook-id: accepted, no second effect)',
  })
  receive(@Param('workspaceSlug') slug: string, @Req() req: Request): Promise<Received> {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(' ') : v;
    };
    return this.inbox.receive(slug, body, {
      id: header('webhook-id'),
      timestamp: header('webhook-timestamp'),
      signature: header('webhook-signature'),
    });
  }
}
