import { Controller, Get, Inject, Module, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InferenceModule } from '../../inference/inference.module.js';
import { ModelRepository } from '../../inference/model-repository.js';
import { PredictionLogWriter } from '../predictions/prediction-log.writer.js';
import { PredictionsModule } from '../predictions/predictions.module.js';

const VERSION = '0.1.0';

/** OIP v2 server metadata and health (always open, also once API keys exist). */
@Controller('v2')
export class HealthController {
  constructor(
    @Inject(ModelRepository) private readonly models: ModelRepository,
    @Inject(PredictionLogWriter) private readonly writer: PredictionLogWriter,
  ) {}

  @Get()
  server(): { name: string; version: string; extensions: string[] } {
    return { name: 'plumbline', version: VERSION, extensions: ['model_repository', 'plumbline_monitoring'] };
  }

  @Get('health/live')
  live(): { live: boolean } {
    return { live: true };
  }

  /** Ready once the models are loaded; the prediction log is either reachable or spooling. */
  @Get('health/ready')
  ready(@Res({ passthrough: true }) reply: FastifyReply): { ready: boolean } {
    const ready = this.models.ready;
    if (!ready) void reply.status(503);
    return { ready };
  }
}

@Module({ imports: [InferenceModule, PredictionsModule], controllers: [HealthController] })
export class HealthModule {}
