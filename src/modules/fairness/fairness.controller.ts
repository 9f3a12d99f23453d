import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { FairnessService, type FairnessQuery, type FairnessResponse } from './fairness.service.js';

/** Fairness per sensitive attribute (DESIGN §5.5, METRICS §4). */
@Controller('api/models/:model')
export class FairnessController {
  constructor(@Inject(FairnessService) private readonly fairness: FairnessService) {}

  @Get('fairness')
  query(@Param('model') model: string, @Query() query: FairnessQuery): Promise<FairnessResponse> {
    return this.fairness.query(model, query);
  }
}
