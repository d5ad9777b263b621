import { ReceivedView } from '../ingest.views';
import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request } from 'express';
import { Public } from '../../auth/principal';
import { AuthFailureLimiter } from '../../rate-limit/auth-failure-limiter.service';
import { CrmInboxService, Received } from './crm-inbox.service';

/**
 * Inbound CRM webhooks. Authenticated by the Standard Webhooks signature with the workspace's inbound secret (not
 * by an API key); the body arrives raw (see CRM_EVENTS_PATH in bootstrap) so the signature covers the exact bytes.
 * No request limit — a CRM pushes bursts (a backfill) and every message is signed, stored and deduplicated by its
 * webhook-id — but a failed signature counts against the sender's address like a bad API key (429 past the limit).
 */
@ApiTags('crm sync')
@Controller('v1/crm/events')
export class CrmEventsController {
  constructor(
    private readonly inbox: CrmInboxService,
    private readonly failures: AuthFailureLimiter,
  ) {}

  @Post(':workspaceSlug')
  @Public()
  @SkipThrottle({ ip: true })
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
  @ApiResponse({ status: 429, description: 'rate_limited: too many failed signatures from this address' })
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
    return this.failures.check(req.ip, 'crm_signature', () =>
      this.inbox.receive(slug, body, {
        id: header('webhook-id'),
        timestamp: header('webhook-timestamp'),
        signature: header('webhook-signature'),
      }),
    );
  }
}
