import { FieldMappingSchema } from './write-back.views';
import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { WRITE_BACK_FIELDS } from './write-back-fields';
import { WriteBackService } from './write-back.service';

const MAPPING_EXAMPLE = {
  fields: { tier: 'callplan_tier', nextCallDate: 'callplan_next_call', personality: null },
};

/**
 * The write-back field mapping of the caller's workspace (admins only). The PUT body is validated with the zod
 * schema of write-back-fields.ts (unknown fields, bad or duplicate property names → 400 validation_failed with
 * each field's path); the global ValidationPipe leaves plain objects alone.
 */
@ApiTags('write-back')
@ApiBearerAuth()
@Controller('v1/write-back/field-mapping')
export class WriteBackController {
  constructor(private readonly writeBack: WriteBackService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The CRM property name of each written-back field (docs/write-back.md)' })
  @ApiOkResponse({ schema: FieldMappingSchema })
  get(@CurrentPrincipal() p: Principal) {
    return this.writeBack.mapping(p.workspaceId);
  }

  @Put()
  @Roles('admin')
  @ApiOperation({
    summary:
      'Replace the field mapping: fields not named get their default name, null leaves a field out; ' +
      'the next pass resends every customer under the new names',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['fields'],
      additionalProperties: false,
      properties: {
        fields: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(
            WRITE_BACK_FIELDS.map((f) => [
              f,
              { type: 'string', nullable: f !== 'externalId', pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,99}$' },
            ]),
          ),
        },
      },
      example: MAPPING_EXAMPLE,
    },
  })
  @ApiOkResponse({ schema: FieldMappingSchema })
  put(@CurrentPrincipal() p: Principal, @Body() body: Record<string, unknown>) {
    return this.writeBack.setMapping(p.workspaceId, body, actorOf(p));
  }
}
