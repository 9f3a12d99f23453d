import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { PerformanceService, type PerformanceQuery, type PerformanceResponse } from '../performance/performance.service.js';
import { LabelsService, type LabelsResult } from './labels.service.js';

/** Delayed labels (DESIGN §5.4) and the performance they give (§5.5). */
@Controller('api/models/:model')
export class LabelsController {
  constructor(
    @Inject(LabelsService) private readonly labels: LabelsService,
    @Inject(PerformanceService) private readonly performance: PerformanceService,
  ) {}

  @Post('labels')
  @HttpCode(200)
  ingest(@Param('model') model: string, @Body() body: unknown, @Query('overwrite') overwrite?: string): Promise<LabelsResult> {
    return this.labels.ingest(model, body, overwrite === 'true' || overwrite === '1');
  }

  @Get('performance')
  query(@Param('model') model: string, @Query() query: PerformanceQuery): Promise<PerformanceResponse> {
    return this.performance.query(model, query);
  }
}
