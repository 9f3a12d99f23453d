import { Logger, Module } from '@nestjs/common';
import { PrismaService } from '../../database/prisma.service.js';
import { InferenceModule } from '../../inference/inference.module.js';
import { ModelRepository } from '../../inference/model-repository.js';
import { ModelsController } from './models.controller.js';
import { ModelsRepository } from './models.repository.js';
import { ModelsService } from './models.service.js';

@Module({
  imports: [InferenceModule],
  providers: [
    { provide: ModelsRepository, inject: [PrismaService], useFactory: (prisma: PrismaService) => new ModelsRepository(prisma) },
    {
      provide: ModelsService,
      inject: [ModelRepository, ModelsRepository],
      useFactory: (models: ModelRepository, catalogue: ModelsRepository) => {
        const logger = new Logger('models');
        return new ModelsService(models, catalogue, (message) => logger.warn(message));
      },
    },
  ],
  controllers: [ModelsController],
})
export class ModelsModule {}
