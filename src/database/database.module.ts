import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/env.js';
import { Database, openDatabase } from './database.js';
import { PrismaService } from './prisma.service.js';

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(PrismaService) private readonly prisma: PrismaService,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect().catch(() => undefined);
    await this.database.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const logger = new Logger('database');
        return openDatabase({
          databaseUrl: config.DATABASE_URL,
          dataDir: config.dataDir,
          embeddedPort: config.PLUMBLINE_EMBEDDED_PG_PORT,
          log: (message) => logger.log(message),
        });
      },
    },
    { provide: PrismaService, inject: [Database], useFactory: (database: Database) => new PrismaService(database) },
    DatabaseLifecycle,
  ],
  exports: [Database, PrismaService],
})
export class DatabaseModule {}
