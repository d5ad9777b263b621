import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { ExperimentsService } from './experiments.service';
import {
  CreateExperimentBodySchema,
  ExperimentListSchema,
  ExperimentReportSchema,
  ExperimentSchema,
} from './experiments.views';

@ApiTags('experiments')
@ApiBearerAuth()
@Controller('v1/experiments')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({
    summary: 'Start an A/B/n experiment over list strategies (holdout, offer, talk-track variant)',
  })
  @ApiBody({
    schema: CreateExperimentBodySchema,
    examples: {
      talkTracks: {
        value: {
          name: 'talk tracks: warm vs direct',
          arms: [
            { key: 'warm', weight: 0.5, strategy: { type: 'talk_track', variant: 'warm' } },
            { key: 'direct', weight: 0.5, strategy: { type: 'talk_track', variant: 'direct' } },
          ],
        },
      },
      holdout: { value: { name: 'lists vs holdout', holdoutShare: 0.1 } },
    },
  })
  // experiment-design.ts validates this body; the global ValidationPipe leaves plain objects alone.
  @ApiCreatedResponse({ schema: ExperimentSchema })
  @ApiUnprocessableEntityResponse({
    description:
      'start_in_past, weights_sum, duplicate_arm, unknown_offer, unknown_arm, invalid_field …: details hold path, code and message per issue',
  })
  @ApiConflictResponse({ description: 'experiment_overlap: another experiment runs in that period' })
  create(@CurrentPrincipal() p: Principal, @Body() body: Record<string, unknown>) {
    return this.experiments.create(p.workspaceId, body, actorOf(p));
  }

  @Get()
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'The experiments of the workspace with their arms' })
  @ApiOkResponse({ schema: ExperimentListSchema })
  list(@CurrentPrincipal() p: Principal) {
    return this.experiments.list(p.workspaceId);
  }

  @Get(':id/report')
  @Roles('admin', 'manager')
  @ApiOperation({
    summary:
      'Per arm and tier: conversion and revenue against the control with intervals, always-valid stopping advice',
  })
  @ApiOkResponse({ schema: ExperimentReportSchema })
  report(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.experiments.report(p.workspaceId, id);
  }
}
