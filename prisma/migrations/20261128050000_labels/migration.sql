-- Labels move out of the prediction log into their own narrow table. Labeling a prediction used to
-- UPDATE its wide, randomly placed `predictions` row: a new row version (the row carries its
-- features and output) and, after every checkpoint, a full-page image in the WAL for almost every
-- label (10,000 labels wrote ~140 MB of WAL). An INSERT into this table writes ~0.4 KB per label,
-- and the log's partitions stay append-only. `ts` is the prediction's timestamp: retention deletes
-- the labels of the partitions it drops.
CREATE TABLE "labels" (
    "model" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "ts" TIMESTAMPTZ NOT NULL,
    "label" JSONB NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "labeled_at" TIMESTAMPTZ NOT NULL,

    CONSTRAINT "labels_pkey" PRIMARY KEY ("model", "id")
);

INSERT INTO "labels" ("model", "id", "ts", "label", "loss", "labeled_at")
SELECT "model", "id", "ts", "label", "loss", coalesce("labeled_at", now())
  FROM "predictions"
 WHERE "label" IS NOT NULL AND "loss" IS NOT NULL;

ALTER TABLE "predictions" DROP COLUMN "label", DROP COLUMN "loss", DROP COLUMN "labeled_at";
