import { Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ModelsError, ModelsErrorCode } from '../modules/models/models.errors.js';
import { ModelLoadError, ModelRepository, type IndexEntry } from './model-repository.js';

/** Triton's model repository extension: index, load, unload. */
@Controller('v2/repository')
export class RepositoryController {
  constructor(@Inject(ModelRepository) private readonly models: ModelRepository) {}

  @Post('index')
  @HttpCode(200)
  index(): Promise<IndexEntry[]> {
    return this.models.index();
  }

  @Post('models/:model/load')
  @HttpCode(200)
  async load(@Param('model') name: string): Promise<Record<string, never>> {
    try {
      await this.models.load(name);
    } catch (error) {
      if (error instanceof ModelLoadError) throw new ModelsError(ModelsErrorCode.ModelLoadFailed, `failed to load '${name}': ${error.message}`);
      throw error;
    }
    return {};
  }

  @Post('models/:model/unload')
  @HttpCode(200)
  async unload(@Param('model') name: string): Promise<Record<string, never>> {
    await this.models.unload(name);
    return {};
  }
}
