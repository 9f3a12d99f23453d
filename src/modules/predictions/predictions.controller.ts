import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { PredictionsService, type IngestResponse, type PredictionView, type PredictResponse } from './predictions.service.js';

/** The records API (DESIGN §5.2) and the prediction log lookup. */
@Controller('api/models/:model')
export class RecordsController {
  constructor(@Inject(PredictionsService) private readonly predictions: PredictionsService) {}

  @Post('predict')
  @HttpCode(200)
  predict(@Param('model') model: string, @Body() body: unknown): Promise<PredictResponse> {
    return this.predictions.predict(model, body);
  }

  @Post('predictions')
  @HttpCode(200)
  ingest(@Param('model') model: string, @Body() body: unknown): Promise<IngestResponse> {
    return this.predictions.ingest(model, body);
  }

  @Get('predictions/:id')
  get(@Param('model') model: string, @Param('id') id: string): Promise<PredictionView> {
    return this.predictions.get(model, id);
  }
}
