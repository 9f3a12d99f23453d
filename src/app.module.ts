import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from './config/config.module.js';
import type { AppConfig } from './config/env.js';
import { DatabaseModule } from './database/database.module.js';
import { AlertsModule } from './modules/alerts/alerts.module.js';
import { InferenceModule } from './inference/inference.module.js';
import { FairnessModule } from './modules/fairness/fairness.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { ModelsModule } from './modules/models/models.module.js';
import { PredictionsModule } from './modules/predictions/predictions.module.js';

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, MetricsModule, InferenceModule, ModelsModule, PredictionsModule, HealthModule, FairnessModule, AlertsModule],
    };
  }
}
