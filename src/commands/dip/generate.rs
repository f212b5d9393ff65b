//! `dianzhi dip generate`: a synthetic province-year of discharged cases with its group
//! catalogue, averages, hospitals and funds, deterministic per seed.
//!
//! Groups have heavy-tailed (Zipf) frequencies, a few percent are basic groups; hospitals have
//! three levels with level-dependent costs and coefficients and heavy-tailed volumes; costs
//! spread around the group's average so that a few percent of cases are low or high outliers and
//! about 0.1% extreme; special cases stay under the 5‰ quota; some cases are ungrouped. Funds are
//! then set near what the fund paid item by item (94–104%), so that point values land around 8–13
//! yuan a point and hospitals end on both sides of the corridor. Each case carries an exam and lab
//! cost (8–30% of its cost), and a four-year history of each pool's income and spending leads up
//! to its fund (what `dip budget` reads).
//! Integer arithmetic only: the same seed gives the same bytes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dianzhi_columnar::write::{Table, TableWriter};
use dianzhi_core::dip::score::{CaseType, Group, Scorer};
use dianzhi_core::number::{Decimal, ONE};
use dianzhi_core::Config;
use rayon::prelude::*;

use crate::cli::OutArgs;
use crate::commands::generate::Rng;
use crate::failure::{Failure, Result};
use crate::outdir::OutDir;

/// Writes a synthetic province-year (cases, groups, averages, institutions, funds),
/// deterministic per seed.
#[derive(clap::Args)]
pub struct DipGenArgs {
    /// Discharged cases in all.
    #[arg(long, value_name = "N")]
    pub cases: u64,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    pub seed: u64,
    /// Case files to split the cases into.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub files: usize,
    /// Hospitals to spread the cases over.
    #[arg(long, default_value_t = 1_500, value_name = "N")]
    pub hospitals: usize,
    /// Pooling regions (1–16).
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub regions: usize,
    /// Groups in the catalogue.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub groups: usize,
    /// The year of the cases.
    #[arg(long, default_value_t = 2026, value_name = "YYYY")]
    pub year: i32,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi dip generate` and prints what it wrote.
pub fn command(args: DipGenArgs, s: &crate::cli::Settings) -> Result<u8> {
    let out = run(&args)?;
    s.say(&format!(
        "wrote {} cases in {} file(s), groups, averages, institutions and funds → {}\n",
        args.cases,
        args.files,
        out.display()
    ));
    Ok(0)
}

/// The 16 cities of a province (Shandong's), the pooling regions.
pub const REGIONS: [&str; 16] = [
    "济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海", "日照", "临沂", "德州", "聊城",
    "滨州", "菏泽",
];
/// Share of hospitals per region, per mille of the first ones.
const REGION_WEIGHT: [u64; 16] = [110, 120, 60, 40, 30, 80, 90, 80, 55, 35, 30, 110, 55, 55, 40, 60];
const FUNDS: [&str; 2] = ["employee", "resident"];
const LEVELS: [&str; 3] = ["1", "2", "3"];

struct Hospital {
    id: String,
    region: usize,
    level: usize,
    /// Internal fixed point.
    coefficient: i128,
    /// A resident-fund row overriding the coefficient.
    resident: Option<i128>,
    assessment: Option<i128>,
}

struct Catalogue {
    groups: Vec<(String, Group)>,
    /// Per group, per level: internal fixed point, a multiple of 0.01.
    averages: Vec<[i128; 3]>,
    /// Cumulative Zipf weights of the groups.
    frequency: Vec<u64>,
}

fn catalogue(groups: usize, seed: u64) -> Catalogue {
    let mut rng = Rng::new(seed, u64::MAX - 10);
    let basic_every = 33; // about 3% basic groups: a few hundred of 10,000
    let mut out = Catalogue { groups: Vec::new(), averages: Vec::new(), frequency: Vec::new() };
    let mut cumulative = 0u64;
    for g in 0..groups {
        // scores in the hundreds, a heavy tail up to several thousand, some with decimals
        let mut score = i128::from(rng.range(20, 400) * rng.tail(3)) * ONE;
        if rng.chance(200) {
            score += i128::from(rng.range(1, 9_999));
        }
        let basic = g % basic_every == 7;
        out.groups.push((format!("D{g:05}"), Group { score, basic }));
        // about 12 yuan a point at level 2; level 1 cheaper, level 3 dearer
        let level_cost = [90u64, 120, 156].map(|f| {
            let per_point = f * rng.range(90, 110); // yuan per point × 1000
                                                    // score (4 decimals) × yuan/point: to the fen
            score * i128::from(per_point) / 1_000 / 100 * 100
        });
        out.averages.push(level_cost.map(|c| c.max(100)));
        cumulative += 1_000_000_000 / (g as u64 + 20);
        out.frequency.push(cumulative);
    }
    out
}

fn hospitals(n: usize, regions: usize, seed: u64) -> (Vec<Hospital>, Vec<u64>) {
    let mut rng = Rng::new(seed, u64::MAX - 11);
    let mut out = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    let mut cumulative = 0u64;
    let region_ids: Vec<usize> = (0..regions).collect();
    for h in 0..n {
        let region = if h < regions {
            h
        } else {
            crate::commands::generate::pick(&mut rng, &REGION_WEIGHT[..regions], &region_ids)
        };
        let level = match rng.range(0, 99) {
            0..=49 => 0,
            50..=84 => 1,
            _ => 2,
        };
        let (lo, hi, volume) = [(80, 90, 30), (95, 105, 100), (115, 130, 300)][level];
        let coefficient = i128::from(rng.range(lo, hi)) * 100;
        let resident = rng.chance(50).then(|| coefficient - 500);
        let assessment = rng.chance(300).then(|| i128::from(rng.range(80, 120)) * 100);
        out.push(Hospital {
            id: format!("H{:02}{h:05}", region + 1),
            region,
            level,
            coefficient,
            resident,
            assessment,
        });
        cumulative += volume * rng.tail(5) * rng.range(50, 150);
        weights.push(cumulative);
    }
    (out, weights)
}

/// Per pool (region, fund): Σ score, Σ at-cost fund_paid, Σ fund_paid of scored cases.
type PoolSums = BTreeMap<(usize, usize), (i128, i128, i128)>;

const BATCH: usize = 64 * 1024;

pub fn run(args: &DipGenArgs) -> Result<PathBuf> {
    if args.cases == 0 || args.files == 0 || args.hospitals == 0 || args.groups == 0 {
        return Err(Failure::input("dip generate needs --cases, --files, --hospitals and --groups ≥ 1"));
    }
    if args.files as u64 > args.cases {
        return Err(Failure::input(format!(
            "--files {} with --cases {}: every file holds at least one case (an empty file is no table); use --files ≤ --cases",
            args.files, args.cases
        )));
    }
    // the history reaches back four years, and months are written YYYY-MM
    if !(1904..=9999).contains(&args.year) {
        return Err(Failure::input(format!("--year {}: a year from 1904 to 9999, e.g. --year 2026", args.year)));
    }
    if !(1..=REGIONS.len()).contains(&args.regions) || args.hospitals < args.regions {
        return Err(Failure::input(format!(
            "dip generate needs 1 to {} --regions and at least one hospital per region",
            REGIONS.len()
        )));
    }
    let out = OutDir::prepare(&args.output.out, args.output.force, |_| false, &[])?;
    let ext = args.output.ext();
    let cat = catalogue(args.groups, args.seed);
    let (hosps, weights) = hospitals(args.hospitals, args.regions, args.seed);
    let config = Config::default();
    let scorer = Scorer::new(&config);
    let cases_dir = out.file("cases");
    std::fs::create_dir(&cases_dir).map_err(Failure::other)?;

    let per_file: Vec<PoolSums> = (0..args.files)
        .into_par_iter()
        .map(|f| {
            let rows = args.cases / args.files as u64 + u64::from((f as u64) < args.cases % args.files as u64);
            let mut rng = Rng::new(args.seed, f as u64);
            let path = cases_dir.join(format!("part-{f:05}.{ext}"));
            let mut writer = TableWriter::create(&path, args.output.format())?;
            let mut sums = PoolSums::new();
            // (cases, special cases) per pool in this file: specials stay under 4‰ of the cases
            let mut specials: BTreeMap<(usize, usize), (u64, u64)> = BTreeMap::new();
            let mut done = 0u64;
            let mut batch = Cases::default();
            while done < rows {
                let n = (rows - done).min(BATCH as u64);
                batch.clear();
                for i in 0..n {
                    let target = rng.next() % weights.last().expect("hospitals");
                    let h = &hosps[weights.partition_point(|w| *w <= target)];
                    let fund = usize::from(!rng.chance(400));
                    let g = cat.frequency.partition_point(|w| *w <= rng.next() % cat.frequency.last().expect("groups"));
                    let (code, group) = &cat.groups[g];
                    let avg = cat.averages[g][h.level];
                    // r in thousandths: low 3%, high 3%, extreme 0.1%, else normal
                    let r = match rng.range(0, 9_999) {
                        0..=299 => rng.range(150, 499),
                        300..=599 => rng.range(2_001, 4_999),
                        600..=609 => rng.range(5_001, 9_000),
                        _ => rng.range(550, 1_900),
                    };
                    let cost = (avg * i128::from(r) / 1_000 / 100 * 100).max(100);
                    let share = if fund == 0 { rng.range(80, 92) } else { rng.range(58, 72) };
                    let paid = cost * i128::from(share) / 100 / 100 * 100;
                    let ungrouped = rng.chance(3);
                    let aux = rng.chance(50).then(|| [10_500, 11_000, 12_000][rng.range(0, 2) as usize]);
                    let counter = specials.entry((h.region, fund)).or_default();
                    counter.0 += 1;
                    let special =
                        (!ungrouped && rng.chance(3) && (counter.1 + 1) * 1_000 <= 4 * counter.0).then(|| {
                            counter.1 += 1;
                            group.score * i128::from(rng.range(2, 5))
                        });
                    let coefficient = match (fund, h.resident) {
                        (1, Some(c)) => c,
                        _ => h.coefficient,
                    };
                    let scored = scorer
                        .case(
                            special,
                            (!ungrouped).then_some(*group),
                            (aux.unwrap_or(ONE), Decimal::from_i128_with_scale(coefficient, 4), LEVELS[h.level]),
                            cost,
                            Some(avg),
                        )
                        .map_err(|e| Failure::other(format!("generated case not scorable: {e:?}")))?;
                    let pool = sums.entry((h.region, fund)).or_default();
                    if scored.kind == CaseType::AtCost {
                        pool.1 += paid;
                    } else {
                        pool.0 += scored.score;
                        pool.2 += paid;
                    }
                    let month = rng.range(1, 12);
                    // from its own stream, so that adding the column changed no other value
                    let exam =
                        cost * i128::from(8 + Rng::new(args.seed ^ (f as u64) << 40, done + i).next() % 23) / 100 / 100
                            * 100;
                    batch.push(
                        format!("{}-{f:03}-{:010}", args.year, done + i),
                        h,
                        FUNDS[fund],
                        format!("{}-{month:02}", args.year),
                        (!ungrouped).then(|| code.clone()),
                        [cost, paid, exam],
                        aux,
                        special,
                    );
                }
                writer.write(&batch.table())?;
                done += n;
            }
            writer.close()?;
            Ok(sums)
        })
        .collect::<Result<_>>()?;

    let mut sums = PoolSums::new();
    for part in per_file {
        for (k, (s, a, i)) in part {
            let e = sums.entry(k).or_default();
            e.0 += s;
            e.1 += a;
            e.2 += i;
        }
    }
    let write = |name: &str, table: Table| -> Result<()> {
        let mut w = TableWriter::create(&out.file(&format!("{name}.{ext}")), args.output.format())?;
        w.write(&table)?;
        w.close().map_err(Failure::from)
    };
    write("groups", groups_table(&cat))?;
    write("averages", averages_table(&cat))?;
    write("institutions", institutions_table(&hosps))?;
    let (funds, budgets) = funds_table(&sums, args.year, args.seed);
    write("history", history_table(&budgets, args.year, args.seed))?;
    write("funds", funds)?;
    out.commit()
}

/// A batch of generated cases, column by column.
#[derive(Default)]
struct Cases {
    case_id: Vec<String>,
    institution_id: Vec<String>,
    region: Vec<String>,
    fund: Vec<String>,
    month: Vec<String>,
    group: Vec<Option<String>>,
    cost: Vec<i128>,
    paid: Vec<i128>,
    exam: Vec<i128>,
    aux: Vec<Option<i128>>,
    special: Vec<Option<i128>>,
}

impl Cases {
    fn clear(&mut self) {
        *self = Cases::default();
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        case_id: String,
        h: &Hospital,
        fund: &str,
        month: String,
        group: Option<String>,
        [cost, paid, exam]: [i128; 3],
        aux: Option<i128>,
        special: Option<i128>,
    ) {
        self.case_id.push(case_id);
        self.institution_id.push(h.id.clone());
        self.region.push(REGIONS[h.region].to_string());
        self.fund.push(fund.to_string());
        self.month.push(month);
        self.group.push(group);
        self.cost.push(cost / 100);
        self.paid.push(paid / 100);
        self.exam.push(exam / 100);
        self.aux.push(aux);
        self.special.push(special);
    }

    fn table(&mut self) -> Table {
        let mut t = Table::default();
        t.text("case_id", std::mem::take(&mut self.case_id));
        t.text("institution_id", std::mem::take(&mut self.institution_id));
        t.text("region", std::mem::take(&mut self.region));
        t.text("fund", std::mem::take(&mut self.fund));
        t.text("discharge_month", std::mem::take(&mut self.month));
        t.nullable_text("dip_group", std::mem::take(&mut self.group));
        t.decimal18("total_cost", 2, std::mem::take(&mut self.cost));
        t.decimal18("fund_paid", 2, std::mem::take(&mut self.paid));
        t.nullable_decimal("aux_factor", 4, std::mem::take(&mut self.aux));
        t.nullable_decimal("special_score", 4, std::mem::take(&mut self.special));
        t.decimal18("exam_cost", 2, std::mem::take(&mut self.exam));
        t
    }
}

fn groups_table(cat: &Catalogue) -> Table {
    let mut t = Table::default();
    t.text("dip_group", cat.groups.iter().map(|(c, _)| c.clone()).collect());
    t.decimal("score", 4, cat.groups.iter().map(|(_, g)| g.score).collect());
    t.text("kind", cat.groups.iter().map(|(_, g)| if g.basic { "basic" } else { "core" }.to_string()).collect());
    t
}

fn averages_table(cat: &Catalogue) -> Table {
    let rows: Vec<(usize, usize)> = (0..cat.groups.len()).flat_map(|g| (0..3).map(move |l| (g, l))).collect();
    let mut t = Table::default();
    t.text("dip_group", rows.iter().map(|(g, _)| cat.groups[*g].0.clone()).collect());
    t.text("level", rows.iter().map(|(_, l)| LEVELS[*l].to_string()).collect());
    t.decimal("avg_cost", 2, rows.iter().map(|(g, l)| cat.averages[*g][*l] / 100).collect());
    t
}

fn institutions_table(hosps: &[Hospital]) -> Table {
    // a row per hospital, and a resident-fund row where its coefficient differs
    let mut rows: Vec<(&Hospital, Option<&str>, i128)> = Vec::new();
    for h in hosps {
        rows.push((h, None, h.coefficient));
        if let Some(c) = h.resident {
            rows.push((h, Some("resident"), c));
        }
    }
    let mut t = Table::default();
    t.text("institution_id", rows.iter().map(|(h, _, _)| h.id.clone()).collect());
    t.text("level", rows.iter().map(|(h, _, _)| LEVELS[h.level].to_string()).collect());
    t.decimal("coefficient", 2, rows.iter().map(|(_, _, c)| c / 100).collect());
    t.nullable_text("fund", rows.iter().map(|(_, f, _)| f.map(str::to_string)).collect());
    t.nullable_decimal("assessment", 2, rows.iter().map(|(h, _, _)| h.assessment.map(|a| a / 100)).collect());
    t
}

/// Per pool: money = 94–104% of what the fund paid for the scored cases item by item (so that
/// some hospitals end in surplus and some in overspend); budget = money + at-cost + a 3% reserve.
/// The funds table, and each pool's (region, fund, budget in fen).
fn funds_table(sums: &PoolSums, year: i32, seed: u64) -> (Table, Vec<(String, String, i128)>) {
    let mut rng = Rng::new(seed, u64::MAX - 12);
    let (mut region, mut fund, mut budget, mut ratio, mut reserve) = (vec![], vec![], vec![], vec![], vec![]);
    for ((r, f), (_, at_cost, items)) in sums {
        let money = items * i128::from(rng.range(94, 104)) / 100 / 100 * 100;
        let before_reserve = money + at_cost;
        let b = (before_reserve * 100 / 97) / 100 * 100;
        region.push(REGIONS[*r].to_string());
        fund.push(FUNDS[*f].to_string());
        budget.push(b / 100);
        reserve.push((b - before_reserve) / 100);
        ratio.push(if *f == 0 { 85 } else { 62 });
    }
    let n = region.len();
    let pools = (0..n).map(|i| (region[i].clone(), fund[i].clone(), budget[i])).collect();
    let mut t = Table::default();
    t.text("region", region);
    t.text("fund", fund);
    t.int("year", vec![i64::from(year); n]);
    t.decimal("budget", 2, budget);
    t.decimal("payment_ratio", 2, ratio);
    t.decimal("reserve", 2, reserve);
    (t, pools)
}

/// Four years (Y−4 … Y−1) of each pool's income and DIP spending: spending grows 4–8% a year
/// into about 96% of the fund's budget, income runs 4–16% above spending, so that with a 5%
/// minimum balance some pools fall short of their cap and some do not.
fn history_table(pools: &[(String, String, i128)], year: i32, seed: u64) -> Table {
    let mut rng = Rng::new(seed, u64::MAX - 13);
    let (mut region, mut fund, mut years, mut income, mut spending) = (vec![], vec![], vec![], vec![], vec![]);
    for (r, f, budget) in pools {
        // in fen; the last year's spending, then back a year at a time
        let mut s = budget * 96 / 100;
        let mut rows = Vec::new();
        for y in (year - 4..year).rev() {
            let margin = i128::from(rng.range(104, 116));
            rows.push((y, s * margin / 100, s));
            s = s * 100 / i128::from(rng.range(104, 108));
        }
        for (y, inc, sp) in rows.into_iter().rev() {
            region.push(r.clone());
            fund.push(f.clone());
            years.push(i64::from(y));
            income.push(inc);
            spending.push(sp);
        }
    }
    let mut t = Table::default();
    t.text("region", region);
    t.text("fund", fund);
    t.int("year", years);
    t.decimal("income", 2, income);
    t.decimal("spending", 2, spending);
    t
}
