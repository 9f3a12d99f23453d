import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ORT_TO_OIP, type OipDatatype } from './datatypes.js';
import { ModelRepository } from './model-repository.js';
import type { TensorSpec } from './onnx-model.js';

interface TensorMetadata {
  name: string;
  datatype: OipDatatype;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

const describe = (specs: TensorSpec[]): TensorMetadata[] =>
  specs.map((spec) => ({ name: spec.name, datatype: ORT_TO_OIP[spec.type], shape: spec.dims.map((dim) => dim ?? -1) }));

/** OIP v2 model metadata and readiness. */
@Controller('v2/models/:model')
export class ModelMetadataController {
  constructor(@Inject(ModelRepository) private readonly models: ModelRepository) {}

  @Get()
  metadata(@Param('model') name: string): ModelMetadata {
    return this.describe(name);
  }

  @Get('versions/:version')
  versionMetadata(@Param('model') name: string, @Param('version') version: string): ModelMetadata {
    return this.describe(name, version);
  }

  @Get('ready')
  ready(@Param('model') name: string): { name: string; ready: boolean } {
    this.models.get(name);
    return { name, ready: true };
  }

  @Get('versions/:version/ready')
  versionReady(@Param('model') name: string, @Param('version') version: string): { name: string; ready: boolean } {
    this.models.getVersion(name, version);
    return { name, ready: true };
  }

  private describe(name: string, version?: string): ModelMetadata {
    const model = this.models.get(name);
    const versions = [...model.versions.keys()].sort((a, b) => a - b).map(String);
    if (model.latest === undefined && version === undefined) return { name, versions, platform: 'onnx_onnxv1', inputs: [], outputs: [] };
    const { onnx } = this.models.getVersion(name, version);
    return { name, versions: version ? [version] : versions, platform: 'onnx_onnxv1', inputs: describe(onnx.inputs), outputs: describe(onnx.outputs) };
  }
}
