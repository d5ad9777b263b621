import { ImportListSchema, ImportSchema } from '../ingest.views';
import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { actorOf } from '../../auth/actor';
import { CurrentPrincipal, Principal, Roles } from '../../auth/principal';
import { AppError } from '../../common/app-error';
import { readCsvHeader } from './import-files';
import { checkFormAgainstHeader, parseImportForm } from './import-form';
import { ImportsService, ImportView } from './imports.service';

/** What multer (through Nest's FileInterceptor) tells us about the upload it streamed to a temporary file. */
interface UploadedCsv {
  path: string;
  size: number;
  originalname: string;
}

@ApiTags('imports')
@ApiBearerAuth()
@Controller('v1/imports')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  /**
   * Uploads a CSV (multipart/form-data: `file`, `kind`, optional `map` "dest=Source,…", `source`,
   * `createMissingCustomers`, `encoding`, `dateFormat`, `preset`, `ignoreUnknownColumns`, `sourceVersionColumn`). The file is streamed to
   * disk (size limit IMPORT_MAX_UPLOAD_BYTES, 413 beyond), stored, and imported by a crm-sync job; poll
   * GET /v1/imports/{id}. A file its encoding cannot read ends `failed` with `undecodable_csv` and the line and
   * column in `error.details`.
   */
  @Post()
  @HttpCode(202)
  @Roles('admin', 'integration')
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'kind'],
      properties: {
        file: { type: 'string', format: 'binary' },
        kind: { type: 'string', enum: ['customers', 'orders', 'interactions', 'reps'] },
        map: { type: 'string', example: 'external_id=CustomerNo,name=FullName' },
        source: { type: 'string', example: 'crm' },
        createMissingCustomers: { type: 'string', enum: ['true', 'false'] },
        encoding: { type: 'string', example: 'gb18030', description: 'detected when not given' },
        dateFormat: { type: 'string', example: 'MM/DD/YYYY HH:mm' },
        preset: { type: 'string', enum: ['hubspot', 'salesforce', 'generic'] },
        ignoreUnknownColumns: { type: 'string', enum: ['true', 'false'] },
        sourceVersionColumn: {
          type: 'string',
          example: 'Last Modified',
          description:
            'customers: the column with each row’s CRM version time (as source_updated_at); 422 when the file has no such column',
        },
      },
    },
  })
  @ApiOperation({ summary: 'Upload a CSV to import (streamed to disk, imported by a job; poll the import)' })
  @ApiAcceptedResponse({ schema: ImportSchema })
  async create(
    @CurrentPrincipal() p: Principal,
    @UploadedFile() file: UploadedCsv | undefined,
    // validated below by parseImportForm, which must also delete the upload when the form is wrong
    @Body() body: Record<string, unknown>,
  ): Promise<ImportView> {
    try {
      if (!file) throw new AppError('file_required', 'a multipart field "file" with the CSV is required');
      const form = parseImportForm(body);
      if (file.size === 0) throw new AppError('empty_file', 'the uploaded file is empty');
      if (form.sourceVersionColumn !== undefined) {
        const header = await readCsvHeader(file.path, form.encoding);
        if (header) checkFormAgainstHeader(form, header);
      }
      return await this.imports.create({
        workspaceId: p.workspaceId,
        fileName: file.originalname.slice(0, 255),
        path: file.path,
        actor: actorOf(p),
        ...form,
      });
    } finally {
      if (file) rmSync(file.path, { force: true });
    }
  }

  @Get()
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'Imports of the workspace, newest first' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  })
  @ApiOkResponse({ schema: ImportListSchema })
  list(@CurrentPrincipal() p: Principal, @Query('limit') limit?: string): Promise<ImportView[]> {
    const n = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 200) throw new AppError('invalid_limit', 'limit must be 1–200');
    return this.imports.list(p.workspaceId, n);
  }

  /** Status, progress, the report and the link to the rejected rows. */
  @Get(':id')
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'One import: status, progress, report, rejected rows link' })
  @ApiOkResponse({ schema: ImportSchema })
  get(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<ImportView> {
    return this.imports.get(p.workspaceId, id);
  }

  /** The rejected rows as CSV: line, severity, column, reason, row. */
  @Get(':id/rejects')
  @Roles('admin', 'integration')
  @ApiOperation({ summary: 'The rejected rows as CSV (line, severity, column, reason, row)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'CSV',
    content: {
      'text/csv': {
        schema: { type: 'string' },
        example: 'line,severity,column,reason,row\n3,error,email,invalid_email,"3,Ann,not-an-email"\n',
      },
    },
  })
  async rejects(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Res() res: Response,
  ): Promise<void> {
    const pieces = await this.imports.rejects(p.workspaceId, id);
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="import-${id}-rejects.csv"`);
    res.setHeader('cache-control', 'no-store');
    Readable.from(pieces)
      .on('error', () => res.destroy())
      .pipe(res);
  }
}
