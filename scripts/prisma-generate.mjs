// Runs `prisma generate` offline. The Prisma CLI wants a native schema-engine binary that is
// downloaded from a host we cannot reach; generate does not use it, so any existing file will do.
import { spawnSync } from 'node:child_process';

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath };
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate', '--config', 'prisma/prisma.config.ts'], { env, stdio: 'inherit' });
process.exit(result.status ?? 1);
