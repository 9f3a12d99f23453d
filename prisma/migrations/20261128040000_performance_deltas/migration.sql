-- Every prediction-log and label transaction appends its aggregate deltas here instead of upserting
-- performance_buckets: no row is shared, so concurrent transactions never wait for one another (the
-- overall row of the current minute was a lock every log transaction held through its commit). The
-- deltas are folded into performance_buckets about every second; readers sum both (performance_all).
CREATE TABLE "performance_deltas" (
    "id" BIGSERIAL NOT NULL,
    "model" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "bucket" TIMESTAMPTZ NOT NULL,
    "segment_key" TEXT NOT NULL,
    "segment_value" TEXT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,
    "labeled" BIGINT NOT NULL DEFAULT 0,
    "loss_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "log_loss_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "confusion" BIGINT[] NOT NULL DEFAULT '{}',
    "predicted" BIGINT[] NOT NULL DEFAULT '{}',
    "max_prob_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "max_prob_labeled_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "entropy_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "abs_error_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "squared_error_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),

    CONSTRAINT "performance_deltas_pkey" PRIMARY KEY ("id")
);

-- What every reader sums: the folded rows and the deltas not folded yet.
CREATE VIEW "performance_all" AS
SELECT "model", "version", "bucket", "segment_key", "segment_value", "count", "labeled", "loss_sum", "log_loss_sum", "confusion",
       "predicted", "max_prob_sum", "max_prob_labeled_sum", "entropy_sum", "abs_error_sum", "squared_error_sum", "updated_at"
  FROM "performance_buckets"
UNION ALL
SELECT "model", "version", "bucket", "segment_key", "segment_value", "count", "labeled", "loss_sum", "log_loss_sum", "confusion",
       "predicted", "max_prob_sum", "max_prob_labeled_sum", "entropy_sum", "abs_error_sum", "squared_error_sum", "created_at"
  FROM "performance_deltas";
