import { OfferListSchema, OfferSchema, OfferVersionListSchema } from './offers.views';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { AppError } from '../common/app-error';
import { OffersService, OfferView } from './offers.service';

class OfferListQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'also archived offers' })
  @IsOptional()
  @IsIn(['true', 'false'])
  includeArchived?: 'true' | 'false';
}

const IF_MATCH = {
  name: 'If-Match',
  required: true,
  description: 'the version you read (the ETag of GET /v1/offers/{code}, or its `version`)',
};
const BODY = {
  schema: {
    type: 'object' as const,
    description: 'an offer: see docs/architecture.md "Offers" for the fields',
  },
};

/** The version an If-Match header names: `"3"`, `3` or `W/"3"`; null when absent, 400 when not a version. */
function expectedVersion(ifMatch: string | undefined): number | null {
  if (ifMatch === undefined || ifMatch.trim() === '') return null;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(ifMatch.trim());
  if (!m)
    throw new AppError('invalid_if_match', 'If-Match must be an offer version', 400, { field: 'If-Match' });
  return Number(m[1]);
}

function withEtag(res: Response, view: OfferView): OfferView {
  res.setHeader('ETag', `"${view.version}"`);
  return view;
}

/**
 * The offer catalog of the caller's workspace. Everyone may read it; admins and managers write it. A change makes
 * a new version (items keep the version they were published with) and needs If-Match with the version read: 409
 * `version_conflict` when another change came first. Bodies are validated with zod (offer-schema.ts): 422
 * `validation_failed` with the path of each field.
 */
@ApiTags('offers')
@ApiBearerAuth()
@Controller('v1/offers')
export class OffersController {
  constructor(private readonly offers: OffersService) {}

  @Get()
  @ApiOperation({ summary: 'The offers of the workspace, with their state and budget use' })
  @ApiOkResponse({ schema: OfferListSchema })
  list(@CurrentPrincipal() p: Principal, @Query() q: OfferListQuery) {
    return this.offers.list(p.workspaceId, { includeArchived: q.includeArchived === 'true' });
  }

  @Get(':code')
  @ApiOperation({ summary: 'One offer (ETag: its version)' })
  @ApiOkResponse({ schema: OfferSchema })
  async get(
    @CurrentPrincipal() p: Principal,
    @Param('code') code: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withEtag(res, await this.offers.get(p.workspaceId, code));
  }

  @Get(':code/versions')
  @ApiOperation({ summary: 'Every version of an offer, newest first' })
  @ApiOkResponse({ schema: OfferVersionListSchema })
  versions(@CurrentPrincipal() p: Principal, @Param('code') code: string) {
    return this.offers.versions(p.workspaceId, code);
  }

  @Post()
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'Create an offer (version 1)' })
  @ApiBody(BODY)
  @ApiCreatedResponse({ schema: OfferSchema })
  @ApiConflictResponse({ description: 'offer_exists: the code is taken (also by an archived offer)' })
  @ApiUnprocessableEntityResponse({ description: 'validation_failed, with the path of each field' })
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withEtag(res, await this.offers.create(p.workspaceId, body, `key:${p.keyId}`));
  }

  @Put(':code')
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'Replace the terms of an offer: a new version' })
  @ApiHeader(IF_MATCH)
  @ApiBody(BODY)
  @ApiOkResponse({ schema: OfferSchema })
  @ApiConflictResponse({ description: 'version_conflict (another change came first) or offer_archived' })
  @ApiResponse({ status: 428, description: 'precondition_required: If-Match is missing' })
  @ApiUnprocessableEntityResponse({ description: 'validation_failed, with the path of each field' })
  async update(
    @CurrentPrincipal() p: Principal,
    @Param('code') code: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const version = expectedVersion(ifMatch);
    return withEtag(res, await this.offers.update(p.workspaceId, code, body, version, `key:${p.keyId}`));
  }

  @Post(':code/archive')
  @Roles('admin', 'manager')
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive an offer: never shown again; published items keep it' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ schema: OfferSchema })
  @ApiConflictResponse({ description: 'version_conflict or offer_archived' })
  @ApiResponse({ status: 428, description: 'precondition_required: If-Match is missing' })
  async archive(
    @CurrentPrincipal() p: Principal,
    @Param('code') code: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const version = expectedVersion(ifMatch);
    return withEtag(res, await this.offers.archive(p.workspaceId, code, version, `key:${p.keyId}`));
  }
}
