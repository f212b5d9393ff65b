-- The DIP settlement of docs/dip.md in DuckDB SQL, written for speed, with exact
-- decimals: scores and money become HUGEINT counts of 1/10,000 and every division is an integer
-- division with explicit rounding. Policy: dianzhi's DIP defaults — money.unit 0.01, half_up,
-- score scale 4, outliers low ≤ 0.5, high ≥ 2, extreme > 5, basis fund, point value scale 4,
-- pay_with published, reconcile report, corridor keep 100% of a surplus and share no overspend
-- (so the entitlement is the DIP payment), no payments.
-- Parameters (replaced by compare_dip.py): {cases}, {groups}, {averages}, {institutions}, {funds}, {out}.

CREATE OR REPLACE TEMP TABLE inst AS
SELECT institution_id, fund, CAST(level AS VARCHAR) AS level,
       CAST(coefficient * 10000 AS BIGINT) AS k4,
       CAST(COALESCE(assessment, 1) * 10000 AS BIGINT) AS a4
FROM read_parquet('{institutions}');

CREATE OR REPLACE TEMP TABLE scored AS
WITH c AS (
    SELECT c.case_id, c.institution_id, c.region, c.fund,
           CAST(substr(CAST(c.discharge_month AS VARCHAR), 1, 4) AS INTEGER) AS year,
           NULLIF(trim(c.dip_group), '') AS dip_group,
           CAST(c.total_cost * 10000 AS BIGINT) AS cost4,
           CAST(c.fund_paid * 10000 AS BIGINT) AS paid4,
           CAST(COALESCE(c.aux_factor, 1) * 10000 AS BIGINT) AS aux4,
           CAST(c.special_score * 10000 AS BIGINT) AS special4,
           COALESCE(f.level, n.level) AS level, COALESCE(f.k4, n.k4) AS k4
    FROM read_parquet('{cases}') c
    LEFT JOIN inst f ON f.institution_id = c.institution_id AND f.fund = c.fund
    LEFT JOIN inst n ON n.institution_id = c.institution_id AND n.fund IS NULL
), g AS (
    SELECT c.*, g.kind, CAST(g.score * 10000 AS BIGINT) AS s4,
           CASE WHEN g.kind = 'basic' THEN 10000::BIGINT ELSE c.k4 END AS f4,
           CAST(a.avg_cost * 10000 AS BIGINT) AS avg4
    FROM c
    LEFT JOIN read_parquet('{groups}') g USING (dip_group)
    LEFT JOIN (SELECT dip_group, CAST(level AS VARCHAR) AS level, avg_cost FROM read_parquet('{averages}')) a
           USING (dip_group, level)
), t AS (
    SELECT *,
           CASE WHEN special4 IS NOT NULL THEN 'special'
                WHEN dip_group IS NULL OR s4 = 0 THEN 'at_cost'
                WHEN 2 * cost4 <= avg4 THEN 'low'
                WHEN cost4 > 5 * avg4 THEN 'extreme'
                WHEN cost4 >= 2 * avg4 THEN 'high'
                ELSE 'normal' END AS type
    FROM g
)
SELECT case_id, institution_id, region, fund, year, dip_group, kind, level, avg4, paid4, cost4, aux4, f4, type,
       CASE WHEN type IN ('special', 'at_cost') THEN NULL ELSE
            -- r = cost / avg at 6 decimals, half_even
            cost4::HUGEINT * 1000000 // avg4 + CASE WHEN 2 * (cost4::HUGEINT * 1000000 % avg4) > avg4
                                             OR (2 * (cost4::HUGEINT * 1000000 % avg4) = avg4 AND (cost4::HUGEINT * 1000000 // avg4) % 2 = 1)
                                           THEN 1 ELSE 0 END END AS ratio6,
       -- score = s × aux × k × factor at 4 decimals, half_up: s4·aux4·f4·x / (10^8 · y), widened
       -- where a product with a cost needs it, the score itself a BIGINT again
       CAST(CASE type
            WHEN 'special' THEN special4
            WHEN 'at_cost' THEN 0::HUGEINT
            WHEN 'normal' THEN (2 * s4::HUGEINT * aux4 * f4 + 100000000) // 200000000
            WHEN 'low' THEN (2 * s4::HUGEINT * aux4 * f4 * cost4 + 100000000 * avg4::HUGEINT) // (200000000 * avg4::HUGEINT)
            ELSE (2 * s4::HUGEINT * aux4 * f4 * (cost4 - avg4) + 100000000 * avg4::HUGEINT) // (200000000 * avg4::HUGEINT) END AS BIGINT) AS score4
FROM t;

CREATE OR REPLACE TEMP TABLE hosp AS
SELECT institution_id, region, fund, year,
       COUNT(*) AS cases,
       COUNT(*) FILTER (WHERE type = 'low') AS low_cases,
       COUNT(*) FILTER (WHERE type = 'high') AS high_cases,
       COUNT(*) FILTER (WHERE type = 'extreme') AS extreme_cases,
       COUNT(*) FILTER (WHERE type = 'special') AS special_cases,
       COUNT(*) FILTER (WHERE type = 'at_cost') AS at_cost_cases,
       SUM(score4) AS score4,
       COALESCE(SUM(paid4) FILTER (WHERE type <> 'at_cost'), 0) AS items4,
       COALESCE(SUM(paid4) FILTER (WHERE type = 'at_cost'), 0) AS at_cost4,
       SUM(cost4) AS cost4
FROM scored GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE pools AS
WITH f AS (
    SELECT region, fund, CAST(year AS INTEGER) AS year, CAST(budget * 10000 AS HUGEINT) AS budget4,
           CAST(COALESCE(reserve, 0) * 10000 AS HUGEINT) AS reserve4, payment_ratio
    FROM read_parquet('{funds}')
), s AS (
    SELECT region, fund, year, SUM(cases) AS cases, SUM(cases - at_cost_cases) AS scored_cases,
           SUM(special_cases) AS special_cases, SUM(at_cost_cases) AS at_cost_cases,
           SUM(at_cost4) AS at_cost4, SUM(score4) AS score4, SUM(items4) AS items4
    FROM hosp GROUP BY ALL
)
SELECT f.*, COALESCE(cases, 0) AS cases, COALESCE(scored_cases, 0) AS scored_cases,
       COALESCE(special_cases, 0) AS special_cases, COALESCE(at_cost_cases, 0) AS at_cost_cases,
       COALESCE(at_cost4, 0) AS at_cost4, COALESCE(score4, 0) AS score4, COALESCE(items4, 0) AS items4,
       budget4 - reserve4 - COALESCE(at_cost4, 0) AS money4
FROM f LEFT JOIN s USING (region, fund, year);

CREATE OR REPLACE TEMP TABLE valued AS
SELECT *,
       CASE WHEN score4 > 0 AND money4 >= 0 THEN (2 * money4 * 10000 + score4) // (2 * score4) END AS pv4,
       CASE WHEN score4 > 0 AND money4 >= 0 THEN
            money4 * 1000000000000000000::HUGEINT // score4
            + CASE WHEN 2 * (money4 * 1000000000000000000::HUGEINT % score4) > score4
                     OR (2 * (money4 * 1000000000000000000::HUGEINT % score4) = score4
                         AND (money4 * 1000000000000000000::HUGEINT // score4) % 2 = 1)
                   THEN 1 ELSE 0 END END AS pv18
FROM pools;

CREATE OR REPLACE TEMP TABLE paid AS
SELECT h.*, v.pv4, v.score4 AS pool_score4, v.scored_cases AS pool_scored,
       -- P = S_h × pv to the fen, half_up (in 1/10,000: multiples of 100)
       COALESCE((2 * h.score4 * v.pv4 + 1000000) // 2000000, 0) * 100 AS dip4
FROM hosp h JOIN valued v USING (region, fund, year);

COPY (
    SELECT region, fund, CAST(year AS BIGINT) AS year,
           CAST(budget4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS budget,
           CAST(reserve4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS reserve,
           CAST(payment_ratio AS DECIMAL(38,4)) AS payment_ratio,
           CAST(cases AS BIGINT) AS cases, CAST(scored_cases AS BIGINT) AS scored_cases,
           CAST(special_cases AS BIGINT) AS special_cases, CAST(at_cost_cases AS BIGINT) AS at_cost_cases,
           CAST(at_cost4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS at_cost_amount,
           CAST(money4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS money,
           CAST(score4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS total_score,
           CAST(pv4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS pv,
           CAST(pv18 AS DECIMAL(38,0)) * 0.000000000000000001::DECIMAL(38,18) AS pv_exact,
           CAST(COALESCE(d.dip4, 0) // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS dip_amount,
           CAST(items4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS item_amount,
           CAST(COALESCE(d.dip4, 0) // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS entitlement,
           CAST(0 AS DECIMAL(38,2)) AS reserve_draw,
           CAST((money4 - COALESCE(d.dip4, 0)) // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS residual,
           CASE WHEN cases = 0 THEN 'no_cases' WHEN money4 < 0 THEN 'infeasible'
                WHEN score4 = 0 THEN 'no_scores' ELSE 'ok' END AS status,
           CAST(0 AS DECIMAL(38,2)) AS shared_uncapped,
           CAST(0 AS DECIMAL(38,2)) AS excluded_amount
    FROM valued v LEFT JOIN (SELECT region, fund, year, SUM(dip4) AS dip4 FROM paid GROUP BY ALL) d
         USING (region, fund, year)
    ORDER BY region, fund, year
) TO '{out}/point_values.parquet' (FORMAT parquet, COMPRESSION zstd);

COPY (
    SELECT p.institution_id, p.region, p.fund, CAST(p.year AS BIGINT) AS year,
           COALESCE(f.level, n.level) AS level,
           CAST(COALESCE(f.k4, n.k4) AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS coefficient,
           CAST(cases AS BIGINT) AS cases, CAST(low_cases AS BIGINT) AS low_cases,
           CAST(high_cases AS BIGINT) AS high_cases, CAST(extreme_cases AS BIGINT) AS extreme_cases,
           CAST(special_cases AS BIGINT) AS special_cases, CAST(at_cost_cases AS BIGINT) AS at_cost_cases,
           CAST(score4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS total_score,
           CASE WHEN cases > at_cost_cases AND pool_score4 > 0 THEN
                CAST((2 * score4 * pool_scored * 10000 + (cases - at_cost_cases) * pool_score4)
                     // (2 * (cases - at_cost_cases) * pool_score4) AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) END AS cmi,
           CAST(dip4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS dip_amount,
           CAST(items4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS item_amount,
           CAST((dip4 - items4) // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS balance,
           CAST(GREATEST(dip4 - items4, 0) // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS kept,
           CAST(0 AS DECIMAL(38,2)) AS shared,
           CAST(dip4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS entitlement,
           CAST(at_cost4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS at_cost_amount,
           CAST(COALESCE(f.a4, n.a4) AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS assessment,
           CAST(0 AS DECIMAL(38,2)) AS withheld, CAST(0 AS DECIMAL(38,2)) AS paid,
           CAST((dip4 + at_cost4) // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS due,
           CAST((dip4 + at_cost4) // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS adjustment,
           CAST(cost4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS total_cost,
           CAST(0 AS DECIMAL(38,2)) AS shared_uncapped,
           CAST(0 AS DECIMAL(38,2)) AS excluded_amount,
           CAST(NULL AS DECIMAL(38,2)) AS assessment_score
    FROM paid p
    LEFT JOIN inst f ON f.institution_id = p.institution_id AND f.fund = p.fund
    LEFT JOIN inst n ON n.institution_id = p.institution_id AND n.fund IS NULL
    ORDER BY p.region, p.fund, p.year, p.institution_id
) TO '{out}/hospitals.parquet' (FORMAT parquet, COMPRESSION zstd);

-- the cases in output order: DuckDB sorts an integer much faster than four VARCHARs, so each
-- (region, fund, institution) is ranked once and the cases sorted by that rank, then case_id
-- (the same order, and the same bytes, as ORDER BY region, fund, institution_id, case_id)
CREATE OR REPLACE TEMP TABLE rank AS
SELECT region, fund, institution_id, row_number() OVER (ORDER BY region, fund, institution_id) AS k
FROM (SELECT DISTINCT region, fund, institution_id FROM hosp);

COPY (
    SELECT case_id, institution_id, region, fund, CAST(year AS BIGINT) AS year, dip_group, kind, level,
           CAST(CASE WHEN type IN ('special', 'at_cost') THEN NULL ELSE avg4 END AS DECIMAL(38,0))
               * 0.0001::DECIMAL(38,4) AS avg_cost,
           CAST(ratio6 AS DECIMAL(38,0)) * 0.000001::DECIMAL(38,6) AS ratio,
           type,
           CAST(score4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS score,
           CAST(CASE WHEN type IN ('special', 'at_cost') THEN NULL ELSE f4 END AS DECIMAL(38,0))
               * 0.0001::DECIMAL(38,4) AS coefficient,
           CAST(aux4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS aux_factor,
           CAST(cost4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS total_cost,
           CAST(paid4 // 100 AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS fund_paid,
           CAST(0 AS DECIMAL(38,2)) AS excluded_cost,
           -- payment = score × pv to the fen, half_up (at-cost: fund_paid); standard = score × pv / ρ
           CAST(CASE WHEN type = 'at_cost' THEN paid4 // 100
                     ELSE (2 * score4 * pv4 + 1000000) // 2000000 END AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS payment,
           CAST(CASE WHEN type <> 'at_cost' THEN (2 * score4 * pv4 * 10000 + rho4 * 1000000) // (2 * rho4 * 1000000) END
                AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS standard,
           CAST(CASE WHEN type <> 'at_cost' THEN (2 * score4 * pv4 * 10000 + rho4 * 1000000) // (2 * rho4 * 1000000) - cost4 // 100 END
                AS DECIMAL(38,0)) * 0.01::DECIMAL(38,2) AS margin
    FROM scored JOIN rank USING (region, fund, institution_id)
    JOIN (SELECT region, fund, year, pv4, CAST(payment_ratio * 10000 AS HUGEINT) AS rho4 FROM valued) v
         USING (region, fund, year)
    ORDER BY k, case_id
) TO '{out}/cases.parquet' (FORMAT parquet, COMPRESSION zstd);
