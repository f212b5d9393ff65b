-- The quarterly settlement of docs/settle.md in DuckDB SQL, as an analyst would write it, with
-- exact decimals: points become HUGEINT counts of 1/10,000 and every division is an integer
-- division with explicit rounding (DuckDB's DECIMAL / DECIMAL would give a DOUBLE).
-- Policy: money.unit "1", rounding half_up, scale 4, pay_with published, reconcile report,
-- fixed values 1 — dianzhi's defaults.
-- Parameters (replaced by compare.py): {claims}, {budgets}, {interim}, {out}.

CREATE OR REPLACE TEMP TABLE agg AS
WITH raw AS (  -- aggregate on the raw keys first, derive the quarter on the small result
    SELECT institution_id, sector, region, service_month, settle_quarter,
           SUM(claimed_points) AS claimed, SUM(drug_points) AS drug,
           SUM(protected_points) AS protected, SUM(deducted_points) AS deducted,
           SUM(copayment) AS copayment
    FROM read_parquet('{claims}')
    GROUP BY ALL
)
SELECT institution_id, sector, region,
       COALESCE(settle_quarter,
                substr(service_month, 1, 4) || 'Q' || ((CAST(substr(service_month, 6, 2) AS INTEGER) - 1) // 3 + 1)) AS quarter,
       CAST(SUM(claimed) * 10000 AS HUGEINT) AS claimed4,
       CAST(SUM(drug) * 10000 AS HUGEINT) AS drug4,
       CAST(SUM(protected) * 10000 AS HUGEINT) AS protected4,
       CAST(SUM(deducted) * 10000 AS HUGEINT) AS deducted4,
       CAST(SUM(copayment) AS HUGEINT) AS copayment
FROM raw
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE members AS
WITH interim AS (
    SELECT institution_id, sector, region, quarter, CAST(SUM(interim_paid) AS HUGEINT) AS interim_paid
    FROM read_parquet('{interim}') GROUP BY ALL
)
SELECT COALESCE(a.institution_id, i.institution_id) AS institution_id,
       COALESCE(a.sector, i.sector) AS sector,
       COALESCE(a.region, i.region) AS region,
       COALESCE(a.quarter, i.quarter) AS quarter,
       a.institution_id IS NOT NULL AS has_claims,
       COALESCE(claimed4, 0) AS claimed4, COALESCE(drug4, 0) AS drug4,
       COALESCE(protected4, 0) AS protected4, COALESCE(deducted4, 0) AS deducted4,
       COALESCE(claimed4 - drug4 - protected4 - deducted4, 0) AS floating4,
       COALESCE(copayment, 0) AS copayment,
       COALESCE(i.interim_paid, 0) AS interim_paid,
       -- fixed amount: (drug + protected) × 1, half_up to whole money
       (2 * COALESCE(drug4 + protected4, 0) + 10000) // 20000 AS fixed_amount
FROM agg a FULL OUTER JOIN interim i USING (institution_id, sector, region, quarter);

CREATE OR REPLACE TEMP TABLE pools AS
WITH sums AS (
    SELECT sector, region, quarter,
           COUNT(*) FILTER (WHERE has_claims) AS institutions,
           SUM(claimed4) AS claimed4, SUM(drug4) AS drug4, SUM(protected4) AS protected4,
           SUM(deducted4) AS deducted4, SUM(floating4) AS floating4, SUM(fixed_amount) AS fixed_amount
    FROM members GROUP BY ALL
), b AS (
    SELECT sector, region, quarter, CAST(budget AS HUGEINT) AS budget,
           CAST(COALESCE(charges, 0) AS HUGEINT) AS charges
    FROM read_parquet('{budgets}')
), p AS (
    SELECT b.*, COALESCE(institutions, 0) AS institutions,
           COALESCE(claimed4, 0) AS claimed4, COALESCE(drug4, 0) AS drug4, COALESCE(protected4, 0) AS protected4,
           COALESCE(deducted4, 0) AS deducted4, COALESCE(floating4, 0) AS floating4,
           COALESCE(fixed_amount, 0) AS fixed_amount,
           b.budget - b.charges - COALESCE(fixed_amount, 0) AS floating_money
    FROM b LEFT JOIN sums USING (sector, region, quarter)
)
SELECT *,
       -- fpv = floating_money / (floating4 / 10^4), half_up at 4 decimals
       CASE WHEN floating4 > 0 AND floating_money >= 0
            THEN (2 * floating_money * 100000000 + floating4) // (2 * floating4) END AS fpv4,
       -- fpv_exact at 18 decimals, half_even
       CASE WHEN floating4 > 0 AND floating_money >= 0 THEN
            floating_money * 10000000000000000000000::HUGEINT // floating4
            + CASE WHEN 2 * (floating_money * 10000000000000000000000::HUGEINT % floating4) > floating4
                     OR (2 * (floating_money * 10000000000000000000000::HUGEINT % floating4) = floating4
                         AND (floating_money * 10000000000000000000000::HUGEINT // floating4) % 2 = 1)
                   THEN 1 ELSE 0 END END AS fpv18,
       CASE WHEN institutions > 0 AND floating4 + drug4 + protected4 > 0
            THEN (2 * (budget - charges) * 100000000 + floating4 + drug4 + protected4)
                 // (2 * (floating4 + drug4 + protected4)) END AS apv4
FROM p;

CREATE OR REPLACE TEMP TABLE settled AS
SELECT m.*, p.fpv4,
       COALESCE((2 * m.floating4 * p.fpv4 + 100000000) // 200000000, 0) AS floating_amount
FROM members m JOIN pools p USING (sector, region, quarter);

COPY (
    SELECT p.sector, p.region, p.quarter,
           CAST(budget AS DECIMAL(38,0)) AS budget, CAST(charges AS DECIMAL(38,0)) AS charges,
           CAST(institutions AS BIGINT) AS institutions,
           CAST(claimed4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS claimed_points,
           CAST(drug4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS drug_points,
           CAST(protected4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS protected_points,
           CAST(deducted4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS deducted_points,
           CAST(floating4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS floating_points,
           CAST(fixed_amount AS DECIMAL(38,0)) AS fixed_amount,
           CAST(floating_money AS DECIMAL(38,0)) AS floating_money,
           CAST(fpv4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS fpv,
           CAST(fpv18 AS DECIMAL(38,0)) * 0.000000000000000001::DECIMAL(38,18) AS fpv_exact,
           CAST(apv4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS apv,
           CAST(COALESCE(d.distributed, 0) AS DECIMAL(38,0)) AS distributed,
           CAST(budget - charges - COALESCE(d.distributed, 0) AS DECIMAL(38,0)) AS residual,
           CASE WHEN institutions = 0 THEN 'no_claims'
                WHEN floating_money < 0 THEN 'infeasible'
                WHEN floating4 = 0 THEN 'no_floating_points' ELSE 'ok' END AS status
    FROM pools p LEFT JOIN (
        SELECT sector, region, quarter, SUM(fixed_amount + floating_amount) AS distributed FROM settled GROUP BY ALL
    ) d USING (sector, region, quarter)
    ORDER BY p.sector, p.region, p.quarter
) TO '{out}/point_values.parquet' (FORMAT parquet, COMPRESSION zstd);

COPY (
    SELECT institution_id, sector, region, quarter,
           CAST(claimed4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS claimed_points,
           CAST(drug4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS drug_points,
           CAST(protected4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS protected_points,
           CAST(deducted4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS deducted_points,
           CAST(floating4 AS DECIMAL(38,0)) * 0.0001::DECIMAL(38,4) AS floating_points,
           CAST(fixed_amount AS DECIMAL(38,0)) AS fixed_amount,
           CAST(floating_amount AS DECIMAL(38,0)) AS floating_amount,
           CAST(fixed_amount + floating_amount AS DECIMAL(38,0)) AS gross_amount,
           CAST(copayment AS DECIMAL(38,0)) AS copayment,
           CAST(fixed_amount + floating_amount - copayment AS DECIMAL(38,0)) AS payable,
           CAST(interim_paid AS DECIMAL(38,0)) AS interim_paid,
           CAST(fixed_amount + floating_amount - copayment - interim_paid AS DECIMAL(38,0)) AS adjustment
    FROM settled
    ORDER BY sector, region, quarter, institution_id
) TO '{out}/settlements.parquet' (FORMAT parquet, COMPRESSION zstd);
