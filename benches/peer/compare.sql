-- `dianzhi compare A/cases.parquet B/cases.parquet --out DIR` in DuckDB SQL, written for speed:
-- one hash full outer join on the seven key columns both `cases` tables have (dip_group may be
-- empty: IS NOT DISTINCT FROM), keeping only the rows that differ somewhere, then one row per
-- differing cell (or per row on one side only), ordered as dianzhi orders them (rows on one
-- side first, then column by column, each in key order), written as zstd Parquet.
-- Numbers compare as DECIMAL (avg_cost, ratio, score are Decimal128 in both tables).
-- Parameters (replaced by compare_tables.py): {a}, {b}, {out}.

CREATE OR REPLACE TEMP TABLE j AS
SELECT COALESCE(a.institution_id, b.institution_id) AS institution_id,
       COALESCE(a.case_id, b.case_id) AS case_id,
       COALESCE(a.region, b.region) AS region,
       COALESCE(a.fund, b.fund) AS fund,
       CAST(COALESCE(a.year, b.year) AS VARCHAR) AS year,
       COALESCE(a.dip_group, b.dip_group) AS dip_group,
       COALESCE(a.level, b.level) AS level,
       a.case_id IS NOT NULL AS in_a, b.case_id IS NOT NULL AS in_b,
       a.kind AS a_kind, b.kind AS b_kind,
       a.avg_cost AS a_avg_cost, b.avg_cost AS b_avg_cost,
       a.ratio AS a_ratio, b.ratio AS b_ratio,
       a."type" AS a_type, b."type" AS b_type,
       a.score AS a_score, b.score AS b_score
FROM read_parquet('{a}') a
FULL OUTER JOIN read_parquet('{b}') b
  ON a.institution_id = b.institution_id AND a.case_id = b.case_id AND a.region = b.region
 AND a.fund = b.fund AND a.year = b.year AND a.dip_group IS NOT DISTINCT FROM b.dip_group
 AND a.level = b.level
WHERE a.case_id IS NULL OR b.case_id IS NULL
   OR a.kind IS DISTINCT FROM b.kind OR a.avg_cost IS DISTINCT FROM b.avg_cost
   OR a.ratio IS DISTINCT FROM b.ratio OR a."type" IS DISTINCT FROM b."type"
   OR a.score IS DISTINCT FROM b.score;

COPY (
    SELECT 'cases' AS "table", institution_id, case_id, region, fund, year, dip_group, level,
           "column", a, b, delta, kind
    FROM (
        SELECT 0 AS o, *, NULL::VARCHAR AS "column", NULL::VARCHAR AS a, NULL::VARCHAR AS b,
               NULL::VARCHAR AS delta, CASE WHEN in_a THEN 'only_in_a' ELSE 'only_in_b' END AS kind
        FROM j WHERE NOT (in_a AND in_b)
        UNION ALL
        SELECT 1, *, 'kind', a_kind, b_kind, NULL, 'differs' FROM j
        WHERE in_a AND in_b AND a_kind IS DISTINCT FROM b_kind
        UNION ALL
        SELECT 2, *, 'avg_cost', CAST(a_avg_cost AS VARCHAR), CAST(b_avg_cost AS VARCHAR),
               CAST(b_avg_cost - a_avg_cost AS VARCHAR), 'differs' FROM j
        WHERE in_a AND in_b AND a_avg_cost IS DISTINCT FROM b_avg_cost
        UNION ALL
        SELECT 3, *, 'ratio', CAST(a_ratio AS VARCHAR), CAST(b_ratio AS VARCHAR),
               CAST(b_ratio - a_ratio AS VARCHAR), 'differs' FROM j
        WHERE in_a AND in_b AND a_ratio IS DISTINCT FROM b_ratio
        UNION ALL
        SELECT 4, *, 'type', a_type, b_type, NULL, 'differs' FROM j
        WHERE in_a AND in_b AND a_type IS DISTINCT FROM b_type
        UNION ALL
        SELECT 5, *, 'score', CAST(a_score AS VARCHAR), CAST(b_score AS VARCHAR),
               CAST(b_score - a_score AS VARCHAR), 'differs' FROM j
        WHERE in_a AND in_b AND a_score IS DISTINCT FROM b_score
    )
    ORDER BY o, institution_id, case_id, region, fund, year, dip_group NULLS LAST, level
) TO '{out}' (FORMAT parquet, COMPRESSION zstd);
