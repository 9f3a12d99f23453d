-- The element-wise sum of two count arrays in PL/pgSQL: the same result as the SQL version of
-- 20261128060000_sum_cells, about twice as fast per call (a SQL function with a sub-select cannot be
-- inlined, and runs a sub-executor per call). The fold calls it once per delta row with cells. An
-- empty array adds nothing; the result is as long as the longer input.
CREATE OR REPLACE FUNCTION "plumbline_add_cells"(a BIGINT[], b BIGINT[]) RETURNS BIGINT[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  total BIGINT[];
BEGIN
  IF cardinality(a) = 0 THEN RETURN b; END IF;
  IF cardinality(b) = 0 THEN RETURN a; END IF;
  IF cardinality(a) < cardinality(b) THEN total := b; ELSE total := a; END IF;
  FOR i IN 1 .. least(cardinality(a), cardinality(b)) LOOP
    total[i] := a[i] + b[i];
  END LOOP;
  RETURN total;
END
$$;
