-- The predicted class ŷ a classifier's label was counted under (its confusion cell [y][ŷ]), as the decision
-- threshold stood when it was labeled: an overwrite takes back that cell, even after the threshold changed.
-- NULL for regressors, and for labels stored before this column (taken back under today's threshold).
ALTER TABLE "labels" ADD COLUMN "predicted" INTEGER;
