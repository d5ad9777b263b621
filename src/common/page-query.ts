import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The page size of a list endpoint's query: `class ListMergesQuery extends PageQuery({ max: 500, default: 50 })`. */
export interface PageQueryFields {
  limit?: number;
}

/**
 * One paging query for every list: `limit` in 1..max (validated, documented with its default). Each list keeps its
 * own maximum and default because what a page costs differs (an audit row vs a worklist item with a talk track).
 */
export function PageQuery(opts: { max: number; default: number; example?: number; description?: string }) {
  class Page implements PageQueryFields {
    @ApiPropertyOptional({
      minimum: 1,
      maximum: opts.max,
      default: opts.default,
      ...(opts.example !== undefined ? { example: opts.example } : {}),
      ...(opts.description ? { description: opts.description } : {}),
    })
    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(opts.max)
    limit?: number;
  }
  return Page;
}
