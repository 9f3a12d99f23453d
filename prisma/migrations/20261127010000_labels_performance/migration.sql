-- Mergeable performance aggregates per (model, version, time bucket of the prediction, segment).
-- segment_key = '' and segment_value = '' is the overall row. Written by upsert-add in the same
-- transaction as the predictions (label-free sums) and the labels (labeled sums), so they are
-- exactly consistent with the log, and several replicas can add to the same row.
CREATE TABLE "performance_buckets" (
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
    "max_prob_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "max_prob_labeled_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "entropy_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "abs_error_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "squared_error_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "performance_buckets_pkey" PRIMARY KEY ("model", "segment_key", "bucket", "segment_value", "version")
);

-- Labels whose prediction is not logged yet, joined when it arrives (within the join window).
CREATE TABLE "pending_labels" (
    "model" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "label" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ NOT NULL DEFAULT now(),

    CONSTRAINT "pending_labels_pkey" PRIMARY KEY ("model", "id")
);

CREATE INDEX "pending_labels_received_at_idx" ON "pending_labels"("received_at");

-- Pending labels that expired before their prediction arrived, counted per model (never silently dropped).
CREATE TABLE "expired_labels" (
    "model" TEXT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "expired_labels_pkey" PRIMARY KEY ("model")
);
