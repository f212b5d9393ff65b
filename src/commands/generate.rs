//! `dianzhi generate`: a synthetic quarter shaped like Taiwan's, deterministic per seed.
//!
//! Institutions get a home region and a primary sector (hospitals and some clinics also bill
//! dialysis); their claim volume is heavy-tailed (a few hospitals with a large share of all
//! rows). Rows carry drug, protected, deducted points and copayments; a few percent are late
//! approvals of the previous quarter and voids of an earlier claim. Budgets are then set so
//! that each pool's point value lands between 0.8 and 1.2, and monthly interim payments are
//! derived from the claims. Only integer arithmetic: the same seed gives the same bytes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dianzhi_columnar::write::{Table, TableWriter};
use dianzhi_core::number::{div_round, Rounding, ONE};
use dianzhi_core::period::{Month, Quarter};
use dianzhi_core::taiwan::pool::ClaimSums;
use dianzhi_core::taiwan::settlement::fixed_amount;
use dianzhi_core::Config;
use rayon::prelude::*;

use crate::cli::{parse_quarter, OutArgs};
use crate::failure::{Failure, Result};
use crate::outdir::OutDir;

/// Writes a synthetic quarter (claims, budgets, interim payments), deterministic per seed.
#[derive(clap::Args)]
pub struct GenArgs {
    /// Claim rows in all.
    #[arg(long, value_name = "N")]
    pub rows: u64,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    pub seed: u64,
    /// Claims files to split the rows into.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub files: usize,
    /// Institutions to spread the claims over.
    #[arg(long, default_value_t = 25_000, value_name = "N")]
    pub institutions: usize,
    /// The quarter of the claims (late approvals come from the quarter before).
    #[arg(long, default_value = "2026Q1", value_parser = parse_quarter, value_name = "YYYYQn")]
    pub quarter: Quarter,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi generate` and prints what it wrote.
pub fn command(args: GenArgs, s: &crate::cli::Settings) -> Result<u8> {
    let out = run(&args)?;
    s.say(&format!(
        "wrote {} claim rows in {} file(s), budgets and interim payments → {}\n",
        args.rows,
        args.files,
        out.display()
    ));
    Ok(0)
}

pub const REGIONS: [&str; 6] = ["taipei", "north", "central", "south", "kaoping", "east"];
/// Share of institutions per region, per mille.
const REGION_SHARE: [u64; 6] = [320, 150, 190, 140, 150, 50];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sector {
    Dental,
    ChineseMedicine,
    PrimaryCare,
    Hospital,
    Dialysis,
}

const SECTORS: [Sector; 5] =
    [Sector::Dental, Sector::ChineseMedicine, Sector::PrimaryCare, Sector::Hospital, Sector::Dialysis];

struct Shape {
    name: &'static str,
    /// Institutions with this primary sector, per mille.
    share: u64,
    /// Volume multiplier relative to a Chinese-medicine clinic.
    volume: u64,
    /// Typical points claimed per row.
    points: u64,
    /// Mean drug share of claimed points, percent.
    drug: u64,
    /// Copayment range per row (NTD).
    copay: (u64, u64),
    /// Point value the budget aims at, per 10,000.
    value: u64,
}

impl Sector {
    fn shape(self) -> Shape {
        match self {
            Sector::Dental => {
                Shape { name: "dental", share: 290, volume: 3, points: 1_200, drug: 4, copay: (50, 50), value: 9_900 }
            }
            Sector::ChineseMedicine => Shape {
                name: "chinese_medicine",
                share: 170,
                volume: 2,
                points: 700,
                drug: 30,
                copay: (50, 50),
                value: 9_900,
            },
            Sector::PrimaryCare => Shape {
                name: "primary_care",
                share: 480,
                volume: 4,
                points: 550,
                drug: 35,
                copay: (50, 150),
                value: 8_500,
            },
            Sector::Hospital => Shape {
                name: "hospital",
                share: 20,
                volume: 600,
                points: 2_800,
                drug: 28,
                copay: (100, 450),
                value: 8_700,
            },
            Sector::Dialysis => {
                Shape { name: "dialysis", share: 40, volume: 12, points: 4_000, drug: 10, copay: (0, 0), value: 9_500 }
            }
        }
    }
}

/// splitmix64: small, fast, and fully specified, so a seed means the same data forever.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next();
        r
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    /// True with probability `per_mille / 1000`.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
    /// Heavy-tailed factor: 2^k with P(k ≥ n) = 2^-n (a Pareto tail of index 1), capped.
    pub(crate) fn tail(&mut self, cap: u32) -> u64 {
        1 << (self.next().trailing_zeros().min(cap))
    }
}

/// An institution billing one sector in its region.
struct Membership {
    id: String,
    sector: Sector,
    region: usize,
    weight: u64,
}

fn memberships(institutions: usize, seed: u64) -> Vec<Membership> {
    let mut rng = Rng::new(seed, u64::MAX);
    let mut out = Vec::new();
    let mut serial = [0u64; 5];
    for n in 0..institutions {
        // the first institutions of each sector cover every region, so every pool has claims
        let sector = if n < 30 { SECTORS[n / 6] } else { pick(&mut rng, &SECTORS.map(|s| s.shape().share), &SECTORS) };
        let region = if n < 30 { n % 6 } else { pick(&mut rng, &REGION_SHARE, &[0, 1, 2, 3, 4, 5]) };
        let s = sector as usize;
        serial[s] += 1;
        let id = format!("{}{}{:08}", region + 1, s + 1, serial[s]);
        let weight =
            sector.shape().volume * rng.tail(if sector == Sector::Hospital { 8 } else { 6 }) * rng.range(50, 150);
        // hospitals and a few clinics also bill the dialysis pot of their region
        if sector == Sector::Hospital && rng.chance(500) || sector == Sector::PrimaryCare && rng.chance(20) {
            out.push(Membership {
                id: id.clone(),
                sector: Sector::Dialysis,
                region,
                weight: Sector::Dialysis.shape().volume * 40,
            });
        }
        out.push(Membership { id, sector, region, weight });
    }
    out
}

pub(crate) fn pick<T: Copy>(rng: &mut Rng, weights: &[u64], items: &[T]) -> T {
    let mut r = rng.next() % weights.iter().sum::<u64>();
    for (w, item) in weights.iter().zip(items) {
        if r < *w {
            return *item;
        }
        r -= w;
    }
    unreachable!("r < Σ weights")
}

/// One generated row (points and money in internal fixed point).
#[derive(Clone, Copy)]
struct Row {
    member: usize,
    month: Month,
    late: bool,
    sums: ClaimSums,
}

fn row(rng: &mut Rng, member: usize, sector: Sector, quarter: Quarter) -> Row {
    let shape = sector.shape();
    let mut claimed = shape.points * rng.range(40, 200) / 100;
    if sector == Sector::Hospital && rng.chance(20) {
        claimed *= rng.range(10, 60); // an inpatient stay
    }
    let mut claimed = i128::from(claimed) * ONE;
    if rng.chance(50) {
        claimed += i128::from(rng.range(1, 9_999)); // fractional points (4 decimals)
    }
    let drug = claimed * i128::from(rng.range(0, 2 * shape.drug)) / 100;
    let protected = if rng.chance(50) { (claimed - drug) * i128::from(rng.range(5, 20)) / 100 } else { 0 };
    let floating = claimed - drug - protected;
    let deducted = if rng.chance(250) { floating * i128::from(rng.range(1, 20)) / 100 } else { 0 };
    let copayment = i128::from(rng.range(shape.copay.0, shape.copay.1)) * ONE;
    let late = rng.chance(30);
    let months = if late { previous(quarter).months() } else { quarter.months() };
    let month = months[rng.range(0, 2) as usize];
    Row { member, month, late, sums: ClaimSums { claimed, drug, protected, deducted, copayment } }
}

fn previous(q: Quarter) -> Quarter {
    if q.q == 1 {
        Quarter { year: q.year - 1, q: 4 }
    } else {
        Quarter { year: q.year, q: q.q - 1 }
    }
}

/// Sums per (membership, service month, late).
type Sums = BTreeMap<(usize, Month, bool), ClaimSums>;

const BATCH: usize = 64 * 1024;

pub fn run(args: &GenArgs) -> Result<PathBuf> {
    if args.rows == 0 || args.files == 0 || args.institutions < 30 {
        return Err(Failure::input("generate needs --rows ≥ 1, --files ≥ 1 and --institutions ≥ 30"));
    }
    if args.files as u64 > args.rows {
        return Err(Failure::input(format!(
            "--files {} with --rows {}: every file holds at least one row (an empty file is no table); use --files ≤ --rows",
            args.files, args.rows
        )));
    }
    let out = OutDir::prepare(&args.output.out, args.output.force, |_| false, &[])?;
    let ext = args.output.ext();
    let members = memberships(args.institutions, args.seed);
    let cumulative: Vec<u64> = members
        .iter()
        .scan(0u64, |s, m| {
            *s += m.weight;
            Some(*s)
        })
        .collect();
    let total_weight = *cumulative.last().expect("members");
    let claims_dir = out.file("claims");
    std::fs::create_dir(&claims_dir).map_err(Failure::other)?;

    // each file is generated on its own thread from its own stream of the seed
    let per_file: Vec<Sums> = (0..args.files)
        .into_par_iter()
        .map(|f| {
            let rows = args.rows / args.files as u64 + u64::from((f as u64) < args.rows % args.files as u64);
            let mut rng = Rng::new(args.seed, f as u64);
            let path = claims_dir.join(format!("part-{f:05}.{ext}"));
            let mut writer = TableWriter::create(&path, args.output.format())?;
            let mut sums = Sums::new();
            let mut last: Vec<Option<Row>> = vec![None; members.len()];
            let mut done = 0u64;
            while done < rows {
                let n = (rows - done).min(BATCH as u64) as usize;
                let mut batch = Vec::with_capacity(n);
                for _ in 0..n {
                    let target = rng.next() % total_weight;
                    let member = cumulative.partition_point(|c| *c <= target);
                    // about 1% of rows void the member's previous claim, so sums never go negative
                    let r = match last[member].take() {
                        Some(prev) if rng.chance(10) => Row {
                            sums: ClaimSums {
                                claimed: -prev.sums.claimed,
                                drug: -prev.sums.drug,
                                protected: -prev.sums.protected,
                                deducted: -prev.sums.deducted,
                                copayment: -prev.sums.copayment,
                            },
                            ..prev
                        },
                        _ => {
                            let r = row(&mut rng, member, members[member].sector, args.quarter);
                            last[member] = Some(r);
                            r
                        }
                    };
                    sums.entry((member, r.month, r.late)).or_default().add(&r.sums).expect("no overflow");
                    batch.push(r);
                }
                writer.write(&claims_table(&batch, &members, args.quarter))?;
                done += n as u64;
            }
            writer.close()?;
            Ok(sums)
        })
        .collect::<Result<_>>()?;

    let mut sums = Sums::new();
    for part in per_file {
        for (k, v) in part {
            sums.entry(k).or_default().add(&v).expect("no overflow");
        }
    }
    let config = Config::default();
    let mut budget_writer = TableWriter::create(&out.file(&format!("budgets.{ext}")), args.output.format())?;
    budget_writer.write(&budgets_table(&members, &sums, args.quarter, args.seed, &config))?;
    budget_writer.close()?;
    let mut interim_writer = TableWriter::create(&out.file(&format!("interim.{ext}")), args.output.format())?;
    interim_writer.write(&interim_table(&members, &sums, args.quarter))?;
    interim_writer.close()?;
    out.commit()
}

fn claims_table(rows: &[Row], members: &[Membership], quarter: Quarter) -> Table {
    let m = |r: &Row| &members[r.member];
    let mut t = Table::default();
    t.text("institution_id", rows.iter().map(|r| m(r).id.clone()).collect());
    t.text("sector", rows.iter().map(|r| m(r).sector.shape().name.to_string()).collect());
    t.text("region", rows.iter().map(|r| REGIONS[m(r).region].to_string()).collect());
    t.text("service_month", rows.iter().map(|r| r.month.to_string()).collect());
    t.nullable_text("settle_quarter", rows.iter().map(|r| r.late.then(|| quarter.to_string())).collect());
    t.decimal18("claimed_points", 4, rows.iter().map(|r| r.sums.claimed).collect());
    t.decimal18("drug_points", 4, rows.iter().map(|r| r.sums.drug).collect());
    t.decimal18("protected_points", 4, rows.iter().map(|r| r.sums.protected).collect());
    t.decimal18("deducted_points", 4, rows.iter().map(|r| r.sums.deducted).collect());
    t.int("copayment", rows.iter().map(|r| i64::try_from(r.sums.copayment / ONE).expect("small")).collect());
    t
}

/// Per pool: Σ fixed amounts + floating points × a target value + charges, so the floating
/// point value lands near the target (0.8–1.2).
fn budgets_table(members: &[Membership], sums: &Sums, quarter: Quarter, seed: u64, config: &Config) -> Table {
    let mut per_member: BTreeMap<usize, ClaimSums> = BTreeMap::new();
    for ((m, _, _), s) in sums {
        per_member.entry(*m).or_default().add(s).expect("no overflow");
    }
    // (fixed money, floating points) per (sector, region)
    let mut pools: BTreeMap<(&str, usize), (i128, i128)> = BTreeMap::new();
    for s in SECTORS {
        for r in 0..REGIONS.len() {
            pools.insert((s.shape().name, r), (0, 0));
        }
    }
    for (m, s) in &per_member {
        let p = pools.get_mut(&(members[*m].sector.shape().name, members[*m].region)).expect("every pool");
        p.0 += fixed_amount(s, config).expect("no overflow");
        p.1 += s.floating();
    }
    let mut rng = Rng::new(seed, u64::MAX - 1);
    let mut t = Table::default();
    let (mut sector, mut region, mut budget, mut charges) = (vec![], vec![], vec![], vec![]);
    for ((name, r), (fixed, floating)) in pools {
        let target = SECTORS.iter().find(|s| s.shape().name == name).expect("sector").shape().value;
        let target = (target + rng.range(0, 1_200) - 600 + if r == 5 { 1_000 } else { 0 }).clamp(8_100, 11_900);
        let floating_money = div_round(floating * i128::from(target), 10_000 * ONE, Rounding::HalfUp) * ONE;
        let c = (fixed + floating_money) * i128::from(rng.range(5, 30)) / 10_000 / ONE * ONE;
        sector.push(name.to_string());
        region.push(REGIONS[r].to_string());
        budget.push((fixed + floating_money + c) / ONE);
        charges.push(c / ONE);
    }
    let n = sector.len();
    t.text("sector", sector);
    t.text("region", region);
    t.text("quarter", vec![quarter.to_string(); n]);
    t.decimal("budget", 0, budget);
    t.decimal("charges", 0, charges);
    t
}

/// Monthly interim payments for the quarter's own months: approved points at an estimated
/// 0.9, times a 90% interim ratio, less copayments, truncated to 100.
fn interim_table(members: &[Membership], sums: &Sums, quarter: Quarter) -> Table {
    let (mut id, mut sector, mut region, mut month, mut paid) = (vec![], vec![], vec![], vec![], vec![]);
    for ((m, service_month, late), s) in sums {
        if *late {
            continue;
        }
        let gross = s.floating() * 9 / 10 + s.drug + s.protected;
        let amount = (gross * 9 / 10 - s.copayment).max(0) / (100 * ONE) * 100;
        let m = &members[*m];
        id.push(m.id.clone());
        sector.push(m.sector.shape().name.to_string());
        region.push(REGIONS[m.region].to_string());
        month.push(service_month.to_string());
        paid.push(amount);
    }
    let n = id.len();
    let mut t = Table::default();
    t.text("institution_id", id);
    t.text("sector", sector);
    t.text("region", region);
    t.text("quarter", vec![quarter.to_string(); n]);
    t.text("service_month", month);
    t.decimal("interim_paid", 0, paid);
    t
}
