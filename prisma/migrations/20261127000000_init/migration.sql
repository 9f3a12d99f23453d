-- CreateTable
CREATE TABLE "models" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "task" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_versions" (
    "id" SERIAL NOT NULL,
    "model_id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "loaded_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_versions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "models_name_key" ON "models"("name");

-- CreateIndex
CREATE UNIQUE INDEX "model_versions_model_id_version_key" ON "model_versions"("model_id", "version");

-- AddForeignKey
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The prediction log (written only through `pg`; not in schema.prisma because Prisma cannot declare
-- partitioned tables). Range-partitioned by day on the prediction's timestamp; partitions are
-- created ahead and dropped after PLUMBLINE_RETENTION by the server.
CREATE TABLE "predictions" (
    "model" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "ts" TIMESTAMPTZ NOT NULL,
    "features" JSONB NOT NULL,
    "output" JSONB NOT NULL,
    "segments" JSONB NOT NULL,
    "label" JSONB,
    "loss" DOUBLE PRECISION,
    "labeled_at" TIMESTAMPTZ,

    CONSTRAINT "predictions_pkey" PRIMARY KEY ("model", "id", "ts")
) PARTITION BY RANGE ("ts");

-- Ids are unique per model across all partitions (a partitioned table cannot enforce that), and
-- a label finds its prediction's partition through this index.
CREATE TABLE "prediction_ids" (
    "model" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "ts" TIMESTAMPTZ NOT NULL,

    CONSTRAINT "prediction_ids_pkey" PRIMARY KEY ("model", "id")
);

CREATE INDEX "prediction_ids_ts_idx" ON "prediction_ids"("ts");
