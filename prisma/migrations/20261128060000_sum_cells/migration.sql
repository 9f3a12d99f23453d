-- Element-wise sums of count arrays (confusion matrices, predicted-class counts), so that the fold of
-- performance_deltas into performance_buckets runs in PostgreSQL alone. An empty array (a row written
-- before the column had cells) adds nothing.
CREATE FUNCTION "plumbline_add_cells"(a BIGINT[], b BIGINT[]) RETURNS BIGINT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN cardinality(a) = 0 THEN b
    WHEN cardinality(b) = 0 THEN a
    ELSE ARRAY(SELECT coalesce(x, 0) + coalesce(y, 0) FROM unnest(a, b) AS u(x, y)) END
$$;

CREATE AGGREGATE "plumbline_sum_cells"(BIGINT[]) (SFUNC = "plumbline_add_cells", STYPE = BIGINT[], INITCOND = '{}');
