import type { PrismaService } from '../../database/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** The model catalogue in PostgreSQL (Prisma): which models and versions were served, with their config. */
export class ModelsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async recordLoaded(name: string, task: string, config: unknown, versions: Array<{ version: number; sha256: string }>): Promise<void> {
    const model = await this.prisma.model.upsert({
      where: { name },
      create: { name, task, config: config as Prisma.InputJsonValue },
      update: { task, config: config as Prisma.InputJsonValue },
    });
    for (const { version, sha256 } of versions) {
      await this.prisma.modelVersion.upsert({
        where: { modelId_version: { modelId: model.id, version } },
        create: { modelId: model.id, version, sha256 },
        update: { sha256, loadedAt: new Date() },
      });
    }
  }
}
