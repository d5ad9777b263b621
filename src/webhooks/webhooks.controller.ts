import {
  AttemptSchema,
  DeliveryListSchema,
  DeliverySchema,
  EventTypeListSchema,
  RecoverSchema,
  WebhookEndpointListSchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
} from './webhooks.views';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { EVENT_TYPE_SPECS } from './event-types';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import {
  CreateEndpointDto,
  DeliveriesQuery,
  RecoverDto,
  RotateSecretDto,
  TestSendDto,
  UpdateEndpointDto,
} from './webhooks.dto';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook-endpoints')
export class WebhooksController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @Roles('admin', 'integration')
  @ApiOperation({
    summary: 'Register an endpoint (public http(s) URLs only); the signing secret is shown once',
  })
  @ApiCreatedResponse({ schema: WebhookEndpointWithSecretSchema })
  @ApiUnprocessableEntityResponse({ description: 'url_not_allowed: not a public http(s) address' })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateEndpointDto) {
    return this.endpoints.create(p.workspaceId, dto.url, dto.eventTypes ?? []);
  }

  @Get()
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'List the endpoints of the workspace' })
  @ApiOkResponse({ schema: WebhookEndpointListSchema })
  list(@CurrentPrincipal() p: Principal) {
    return this.endpoints.list(p.workspaceId);
  }

  @Get(':id')
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'One endpoint (active, why disabled, failing since)' })
  @ApiOkResponse({ schema: WebhookEndpointSchema })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.endpoints.get(p.workspaceId, id);
  }

  @Patch(':id')
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'Change URL, event types, or enable/disable (active)' })
  @ApiOkResponse({ schema: WebhookEndpointSchema })
  @ApiUnprocessableEntityResponse({ description: 'url_not_allowed: not a public http(s) address' })
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: UpdateEndpointDto) {
    return this.endpoints.update(p.workspaceId, id, dto);
  }

  @Delete(':id')
  @Roles('admin', 'integration')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its delivery log' })
  @ApiNoContentResponse({ description: 'deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.endpoints.remove(p.workspaceId, id);
  }

  @Post(':id/enable')
  @Roles('admin', 'integration')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable an endpoint (clears its failure streak)' })
  @ApiOkResponse({ schema: WebhookEndpointSchema })
  enable(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.endpoints.setActive(p.workspaceId, id, true);
  }

  @Post(':id/disable')
  @Roles('admin', 'integration')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an endpoint (nothing is sent to it until enabled)' })
  @ApiOkResponse({ schema: WebhookEndpointSchema })
  disable(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.endpoints.setActive(p.workspaceId, id, false);
  }

  @Post(':id/rotate-secret')
  @Roles('admin', 'integration')
  @HttpCode(200)
  @ApiOperation({
    summary: 'New signing secret (shown once); both secrets sign deliveries during the overlap window',
  })
  @ApiOkResponse({ schema: WebhookEndpointWithSecretSchema })
  rotate(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: RotateSecretDto) {
    return this.endpoints.rotate(p.workspaceId, id, dto.overlapHours ?? 24);
  }

  @Get(':id/deliveries')
  @Roles('admin', 'integration')
  @ApiOperation({
    summary: 'Delivery log: status, attempts, response code and body (first 2 KiB), newest first',
  })
  @ApiOkResponse({ schema: DeliveryListSchema })
  deliveries(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: DeliveriesQuery) {
    return this.endpoints.deliveries(p.workspaceId, id, { ...q, limit: q.limit ?? 50 });
  }

  @Post(':id/recover')
  @Roles('admin', 'integration')
  @HttpCode(202)
  @ApiOperation({ summary: 'Replay every failed delivery of the endpoint created since a time' })
  @ApiAcceptedResponse({ schema: RecoverSchema })
  @ApiConflictResponse({ description: 'endpoint_disabled: enable the endpoint first' })
  recover(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: RecoverDto) {
    return this.endpoints.recover(p.workspaceId, id, dto.since);
  }

  @Post(':id/test')
  @Roles('admin', 'integration')
  @HttpCode(200)
  @ApiOperation({ summary: "Send the catalog's example of an event type now and report the attempt" })
  @ApiOkResponse({ schema: AttemptSchema })
  test(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: TestSendDto) {
    return this.endpoints.sendTest(p.workspaceId, id, dto.eventType);
  }
}

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post(':id/replay')
  @Roles('admin', 'integration')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send one delivery again (same webhook-id) from the start of the retry schedule' })
  @ApiAcceptedResponse({ schema: DeliverySchema })
  replay(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.endpoints.replay(p.workspaceId, id);
  }
}

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook-event-types')
export class WebhookEventTypesController {
  @Get()
  @Roles('admin', 'integration')
  @ApiOperation({
    summary: 'Every event type Callplan sends, with the JSON schema of its data and an example',
  })
  @ApiOkResponse({ schema: EventTypeListSchema })
  list() {
    return EVENT_TYPE_SPECS;
  }
}
