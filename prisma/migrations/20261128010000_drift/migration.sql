-- When an aggregate row last changed: drift histograms of a bucket are rebuilt from the log only once
-- its performance rows have been quiet for a while (every replica has flushed its in-memory deltas).
ALTER TABLE "performance_buckets" ADD COLUMN "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now();

-- A model's drift references: the newest row is the one in force. `profile` holds the bins fixed by the
-- reference (METRICS §3) and its counts, whole and per segment value.
CREATE TABLE "reference_profiles" (
    "id" SERIAL NOT NULL,
    "model" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "source" TEXT NOT NULL,
    "rows" INTEGER NOT NULL,
    "profile" JSONB NOT NULL,

    CONSTRAINT "reference_profiles_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "reference_profiles_model_id_idx" ON "reference_profiles"("model", "id" DESC);

-- Feature histograms per (model, reference, time bucket of the prediction, segment, version), in the
-- reference's bins: `counts` is every feature's bins one after the other (the profile's order),
-- `missing` one count per feature. `count` and `labeled` mirror performance_buckets so that a
-- bucket whose histograms fell behind the log (a crash before a flush, a new reference) is found
-- and rebuilt from the log.
CREATE TABLE "drift_buckets" (
    "model" TEXT NOT NULL,
    "reference_id" INTEGER NOT NULL,
    "segment_key" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ NOT NULL,
    "segment_value" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,
    "labeled" BIGINT NOT NULL DEFAULT 0,
    "counts" BIGINT[] NOT NULL,
    "missing" BIGINT[] NOT NULL,

    CONSTRAINT "drift_buckets_pkey" PRIMARY KEY ("model", "reference_id", "segment_key", "bucket", "segment_value", "version")
);

CREATE INDEX "drift_buckets_bucket_idx" ON "drift_buckets"("bucket");

-- Rebuilding histograms and references from a logged window reads the log by time: a BRIN index costs
-- next to nothing to maintain on an append-mostly, time-ordered table.
CREATE INDEX "predictions_ts_brin_idx" ON "predictions" USING BRIN ("ts");
