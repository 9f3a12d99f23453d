-- Predictions per predicted class (length K for classifiers, '{}' for regressors), labeled or not:
-- the selection rates of fairness (METRICS §4) need every prediction's decision, not only the labeled
-- ones in `confusion`. Rows written before this column hold '{}' and add nothing to a window's sums.
ALTER TABLE "performance_buckets" ADD COLUMN "predicted" BIGINT[] NOT NULL DEFAULT '{}';
