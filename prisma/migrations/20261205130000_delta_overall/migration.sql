-- A delta row may also count toward the overall row ('', '') of its bucket and version: a prediction or
-- label with segments then appends one delta row per segment key, and none more for the overall row
-- (for labels spread over a day's buckets, 1 row per label instead of 2). The fold and the readers'
-- view count such a row twice: under its segment, and overall.
ALTER TABLE "performance_deltas" ADD COLUMN "overall" BOOLEAN NOT NULL DEFAULT false;

-- Deltas are read in one scan: each row under its own segment, and once more overall when it says so.
CREATE OR REPLACE VIEW "performance_all" AS
SELECT "model", "version", "bucket", "segment_key", "segment_value", "count", "labeled", "loss_sum", "log_loss_sum", "confusion",
       "predicted", "max_prob_sum", "max_prob_labeled_sum", "entropy_sum", "abs_error_sum", "squared_error_sum", "updated_at"
  FROM "performance_buckets"
UNION ALL
SELECT d."model", d."version", d."bucket", k."segment_key", k."segment_value", d."count", d."labeled", d."loss_sum", d."log_loss_sum", d."confusion",
       d."predicted", d."max_prob_sum", d."max_prob_labeled_sum", d."entropy_sum", d."abs_error_sum", d."squared_error_sum", d."created_at"
  FROM "performance_deltas" d
  CROSS JOIN LATERAL (SELECT d."segment_key", d."segment_value" UNION ALL SELECT '', '' WHERE d."overall") AS k("segment_key", "segment_value");
