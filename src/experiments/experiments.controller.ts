import { ExperimentListSchema, ExperimentReportSchema, ExperimentSchema } from './experiments.views';
import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsDateString, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { ExperimentsService } from './experiments.service';

class CreateExperimentDto {
  @ApiProperty({ example: 'Q1 call lists vs holdout' })
  @IsString()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 0.1, description: 'share of customers kept off the lists, 0.01–0.5' })
  @IsNumber()
  @Min(0.01)
  @Max(0.5)
  holdoutShare!: number;

  @ApiPropertyOptional({ example: '2026-12-01' })
  @IsOptional()
  @IsDateString({ strict: true })
  startsOn?: string;

  @ApiPropertyOptional({ example: '2027-02-28' })
  @IsOptional()
  @IsDateString({ strict: true })
  endsOn?: string;
}

@ApiTags('experiments')
@ApiBearerAuth()
@Controller('v1/experiments')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  /** Starts a holdout experiment: a random share of customers is kept off the call lists while it runs. */
  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Start a holdout experiment (a random share of customers kept off the lists)' })
  @ApiCreatedResponse({ schema: ExperimentSchema })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateExperimentDto) {
    return this.experiments.create(
      p.workspaceId,
      { ...dto, startsOn: dto.startsOn?.slice(0, 10), endsOn: dto.endsOn?.slice(0, 10) },
      `key:${p.keyId}`,
    );
  }

  @Get()
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'The holdout experiments of the workspace' })
  @ApiOkResponse({ schema: ExperimentListSchema })
  list(@CurrentPrincipal() p: Principal) {
    return this.experiments.list(p.workspaceId);
  }

  /** Conversion and revenue per customer, treated vs holdout, with the lift and its 95% interval, overall and per tier. */
  @Get(':id/report')
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'Conversion and revenue, treated vs holdout, with the lift and its 95% interval' })
  @ApiOkResponse({ schema: ExperimentReportSchema })
  report(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.experiments.report(p.workspaceId, id);
  }
}
