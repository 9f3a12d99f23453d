import { Body, Controller, Get, Inject, Param, Put, Query } from '@nestjs/common';
import type { MonitoringQuery } from '../performance/monitoring-query.js';
import { DriftService, type DriftResponse, type ReferenceSummary } from './drift.service.js';

/** Drift references and drift queries (DESIGN §5.5). */
@Controller('api/models/:model')
export class DriftController {
  constructor(@Inject(DriftService) private readonly drift: DriftService) {}

  @Put('reference')
  setReference(@Param('model') model: string, @Body() body: unknown): Promise<ReferenceSummary> {
    return this.drift.setReference(model, body);
  }

  @Get('reference')
  getReference(@Param('model') model: string): Promise<ReferenceSummary> {
    return this.drift.getReference(model);
  }

  @Get('drift')
  query(@Param('model') model: string, @Query() query: MonitoringQuery): Promise<DriftResponse> {
    return this.drift.query(model, query);
  }
}
