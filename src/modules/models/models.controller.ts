import { Body, Controller, Inject, Param, Put } from '@nestjs/common';
import { ModelsService, type ModelStatus } from './models.service.js';

/** Upload of ONNX versions and configs into the model repository. */
@Controller('api/models/:model')
export class ModelsController {
  constructor(@Inject(ModelsService) private readonly models: ModelsService) {}

  @Put('versions/:version')
  uploadVersion(@Param('model') name: string, @Param('version') version: string, @Body() body: unknown): Promise<ModelStatus> {
    return this.models.uploadVersion(name, version, body);
  }

  @Put('config')
  uploadConfig(@Param('model') name: string, @Body() body: unknown): Promise<ModelStatus> {
    return this.models.uploadConfig(name, body);
  }
}
