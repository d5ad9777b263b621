import { Body, Controller, Get, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { actorOf } from '../../auth/actor';
import { CurrentPrincipal, Principal, Roles } from '../../auth/principal';
import { CurrencyRateTableView, CurrencyRatesReplacedView } from '../ingest.views';
import { CurrencyRatesService } from './currency-rates.service';

/**
 * The workspace's exchange rates over HTTP (admins), beside `callplan currency rates load|list`: the same service,
 * the same rule per rate. The PUT body is checked by the service (every problem with its path, 422 invalid_rates).
 */
@ApiTags('imports')
@ApiBearerAuth()
@Controller('v1/currency-rates')
export class CurrencyRatesController {
  constructor(private readonly rates: CurrencyRatesService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The rate table imports convert orders in other currencies with' })
  @ApiOkResponse({ schema: CurrencyRateTableView })
  async list(@CurrentPrincipal() p: Principal) {
    return { rates: await this.rates.list(p.workspaceId) };
  }

  @Put()
  @Roles('admin')
  @ApiOperation({
    summary:
      'Replace the rate table (all or nothing; audited). A rate is units of the workspace currency per unit of ' +
      '`currency`, as a decimal string, valid from `validFrom` (UTC day) until the next one',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['rates'],
      additionalProperties: false,
      properties: {
        rates: {
          type: 'array',
          maxItems: 100_000,
          items: {
            type: 'object',
            required: ['currency', 'validFrom', 'rate'],
            additionalProperties: false,
            properties: {
              currency: { type: 'string', example: 'USD' },
              validFrom: { type: 'string', format: 'date', example: '2026-01-01' },
              rate: { type: 'string', pattern: '^\\d{1,12}(\\.\\d{1,12})?$', example: '7.1' },
            },
          },
        },
      },
    },
  })
  @ApiOkResponse({ schema: CurrencyRatesReplacedView })
  @ApiUnprocessableEntityResponse({
    description: 'invalid_rates: nothing saved; details list every problem with its path (`rates[3].rate`)',
  })
  replace(@CurrentPrincipal() p: Principal, @Body() body: unknown) {
    return this.rates.replace(p.workspaceId, body, actorOf(p));
  }
}
