-- What a label needs of its prediction (version, output, segments) is kept with the prediction's id, so that
-- the label path finds it with one index probe and one row. It used to read `ts` here and then the
-- prediction itself in its daily partition: two more random pages per label, about half of the lookup's
-- cost (1,000 labels spread over a day's log: 50 → 25 ms). The prediction log writes the copy in the same
-- statement as the prediction; it never changes (logged predictions are immutable).
ALTER TABLE "prediction_ids" ADD COLUMN "version" INTEGER, ADD COLUMN "output" JSONB, ADD COLUMN "segments" JSONB;

UPDATE "prediction_ids" i SET "version" = p."version", "output" = p."output", "segments" = p."segments"
  FROM "predictions" p
 WHERE p."model" = i."model" AND p."id" = i."id" AND p."ts" = i."ts";

-- Ids whose prediction is gone (a retention run cut short between dropping a day and deleting its ids)
-- could never be labeled; retention would delete them on its next run.
DELETE FROM "prediction_ids" WHERE "output" IS NULL;

ALTER TABLE "prediction_ids" ALTER COLUMN "version" SET NOT NULL, ALTER COLUMN "output" SET NOT NULL, ALTER COLUMN "segments" SET NOT NULL;
