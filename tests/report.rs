//! `dianzhi report DIR` (docs/analysts.md): one self-contained HTML page; labels from data are
//! escaped; the demo's pages render in a real browser (headless Chromium) to a non-blank picture.

mod common;
use common::browser::{chromium, picture, render};
use common::*;

use std::path::Path;

fn report(dir: &Path) -> String {
    let o = dianzhi(&["report", s(dir), "--quiet"]);
    assert_ok(&o);
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

/// Nothing in the page is fetched: no scripts, no links, no URLs but the SVG namespace.
fn assert_self_contained(html: &str) {
    for needle in ["<script", "src=", "href=", "url(", "@import", "<link", "<iframe"] {
        assert!(!html.contains(needle), "the page holds {needle:?}");
    }
    let without_ns = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_ns.contains("http:") && !without_ns.contains("https:"), "the page names a URL");
}

#[test]
fn labels_from_data_are_escaped_and_chinese_kept() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "<script>alert(1)</script>";
    let claims = format!(
        "{HEADER}\nH&'x<1,醫院,{evil},2026-01,,100,10,0,0,5\nH2,醫院,{evil},2026-02,,50,0,0,0,0\nH3,dental,臺北,2026-01,,70,0,0,0,0\n"
    );
    let budgets = format!("sector,region,quarter,budget,charges\n醫院,{evil},2026Q1,120,0\ndental,臺北,2026Q1,60,0\n");
    let interim = write(dir.path(), "interim.csv", &format!("institution_id,sector,region,quarter,interim_paid\nH2,醫院,{evil},2026Q1,90\nH&'x<1,醫院,{evil},2026Q1,200\n"));
    let o = settle(dir.path(), &claims, &budgets, &["--interim", s(&interim)]);
    assert_ok(&o);
    let out = dir.path().join("out");
    let html = report(&out);
    assert_self_contained(&html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the region is shown as text");
    // overpaid in interim: among the largest recoveries, by its id
    assert!(html.contains("H&amp;&#39;x&lt;1"), "an id with a quote, an ampersand and a bracket is escaped");
    assert!(html.contains("醫院") && html.contains("臺北"), "Chinese labels are kept as they are");
    assert!(html.contains("Largest recoveries") && html.contains("Distribution of adjustments"));

    // a scenario on the same quarter: its names are escaped too
    let text = "[[scenario]]\nname = \"<b>bold</b> & co\"\nbudget = [{ sector = \"醫院\", scale = \"1.1\" }]\n";
    let so = dir.path().join("scn");
    assert_ok(&scenario(dir.path(), text, &so, &["--quiet"]));
    let html = report(&so);
    assert_self_contained(&html);
    assert!(!html.contains("<b>bold</b>") && html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; co"));
    assert!(html.contains("Why it changed"));

    // a DIP year whose region is named with markup: the heatmap, the tables and the tooltips of
    // the DIP page show it as text
    let evil = "<i>济南</i>&";
    let cases =
        write(dir.path(), "cases.csv", &std::fs::read_to_string(demo("dip/cases.csv")).unwrap().replace("济南", evil));
    let funds =
        write(dir.path(), "funds.csv", &std::fs::read_to_string(demo("dip/funds.csv")).unwrap().replace("济南", evil));
    let dip = dir.path().join("dip");
    assert_ok(&dianzhi(&[
        "dip",
        "settle",
        "--cases",
        s(&cases),
        "--groups",
        &demo("dip/groups.csv"),
        "--averages",
        &demo("dip/averages.csv"),
        "--institutions",
        &demo("dip/institutions.csv"),
        "--funds",
        s(&funds),
        "--format",
        "csv",
        "--out",
        s(&dip),
        "--quiet",
    ]));
    let html = report(&dip);
    assert_self_contained(&html);
    assert!(!html.contains("<i>济南"), "the region's markup is not markup on the page");
    let shown = html.matches("&lt;i&gt;济南&lt;/i&gt;&amp;").count();
    assert!(shown >= 4, "the region is shown as text in the map, tooltips and tables ({shown} times)");
}

#[test]
fn report_refuses_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let o = dianzhi(&["report", s(dir.path())]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds no point_values table"), "{}", stderr(&o));
    let o = dianzhi(&["report", s(&dir.path().join("nothing"))]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_demo_reports_render_in_chromium() {
    if chromium().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    assert_ok(&dianzhi(&["demo", "--out", s(&out), "--quiet"]));
    let scn = dir.path().join("scenario");
    on_demo_quarter("scenario", &scn, &["--scenarios", &demo("scenarios.toml")]);
    // kept where a person can look at them after the run
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-pictures");
    std::fs::create_dir_all(&shots).unwrap();
    for (name, d, needle) in [
        ("settle", out.clone(), "Floating point value"),
        ("dip", out.join("dip"), "济南"),
        ("scenario", scn, "Why it changed"),
    ] {
        let html = report(&d);
        assert_self_contained(&html);
        assert!(html.contains(needle), "{name}: {needle:?} missing");
        let png = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&png);
        render(&d.join("report.html"), &png, 1280, 1600);
        let (_, inked, colors) = picture(&png);
        assert!(inked > 0.03, "{name}: the picture is nearly blank ({:.1}% inked)", inked * 100.0);
        assert!(colors > 100, "{name}: only {colors} colours: charts did not render");
        eprintln!("{name}: {} ({:.1}% inked, {colors} colours)", png.display(), inked * 100.0);
        // each chart alone: its coloured marks drawn where the SVG puts them
        let mut checked = 0;
        for (k, svg) in charts(&html).into_iter().enumerate() {
            let marks = coloured_rects(&svg);
            if marks.is_empty() {
                continue;
            }
            let page = dir.path().join(format!("{name}-{k}.html"));
            std::fs::write(&page, format!("<!DOCTYPE html><html><body style=\"margin:0\">{svg}</body></html>"))
                .unwrap();
            let png = shots.join(format!("{name}-chart-{k}.png"));
            let _ = std::fs::remove_file(&png);
            let size = |name: &str| -> u32 {
                let key = format!(" {name}=\"");
                let from = svg.find(&key).unwrap() + key.len();
                svg[from..from + svg[from..].find('"').unwrap()].parse::<f64>().unwrap().ceil() as u32
            };
            render(&page, &png, size("width").max(800) + 20, size("height").max(600) + 20);
            let image = pixels(&png);
            for (x, y, w, h, fill) in &marks {
                // a point inside the mark, clear of its centred label
                let (px, py) = ((x + w.min(12.0) / 2.0) as u32, (y + h.min(6.0) / 2.0) as u32);
                let got = image.at(px, py);
                let close = got.iter().zip(fill).all(|(a, b)| (i32::from(*a) - i32::from(*b)).abs() <= 8);
                assert!(close, "{name} chart {k}: at ({px}, {py}) the mark's fill {fill:?} is drawn as {got:?}");
            }
            eprintln!("{name} chart {k}: {} marks where the data put them", marks.len());
            checked += marks.len();
        }
        assert!(checked >= 20, "{name}: only {checked} marks checked");
    }
    // the year's page in Chinese: labels render as glyphs, charts as colours
    let png = shots.join("dip-zh.png");
    let _ = std::fs::remove_file(&png);
    render(&out.join("dip/report.zh.html"), &png, 1280, 1600);
    let (_, inked, colors) = picture(&png);
    assert!(inked > 0.03 && colors > 100, "dip-zh: {:.1}% inked, {colors} colours", inked * 100.0);
    // the watch of a month: February's pools run ahead of their year, and the page marks them
    let february = out.join("dip-payments/2026-02/report.html");
    let html = std::fs::read_to_string(&february).unwrap();
    assert_self_contained(&html);
    assert!(
        html.contains("<th>pace_<wbr>flag</th>") && html.contains("<td class=\"warn\">red</td>"),
        "no pace flag marked"
    );
    let png = shots.join("watch.png");
    let _ = std::fs::remove_file(&png);
    render(&february, &png, 1280, 1000);
    let (_, inked, _) = picture(&png);
    assert!(inked > 0.02, "watch: the picture is nearly blank ({:.1}% inked)", inked * 100.0);
}

/// `report --lang zh`: every heading in Chinese, every labelled column header with its column's
/// name under the label, the charts' own words in Chinese — for each kind of output; the demo
/// writes the year's page in Chinese too.
#[test]
fn chinese_pages_say_it_in_chinese_and_keep_the_column_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    assert_ok(&dianzhi(&["demo", "--out", s(&out), "--quiet"]));
    let scn = dir.path().join("scenario");
    on_demo_quarter("scenario", &scn, &["--scenarios", &demo("scenarios.toml")]);
    let same = dir.path().join("same");
    assert_ok(&dianzhi(&["compare", s(&out.join("dip")), s(&out.join("dip")), "--out", s(&same), "--quiet"]));
    let cjk = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for (name, d, words) in [
        ("settle", out.clone(), &["浮动点值（分区 × 总额部门）", "清算补差分布"][..]),
        ("dip settle", out.join("dip"), &["点值（统筹区 × 基金）", "疑难、结余", "各列分别配色", "结余留用与超支分担"]),
        ("dip budget", out.join("dip-budget"), &["上限与省级调剂在何处起作用", "历史增长"]),
        ("dip presettle", out.join("dip-payments/2026-02"), &["序时进度", "监测预警的医院"]),
        ("dip scenario", out.join("dip-scenario"), &["各情景的调节金使用变化", "服务量"]),
        ("scenario", scn, &["变化的原因", "参数"]),
        ("compare", same, &["甲乙两方一致"]),
    ] {
        let page = dir.path().join(format!("{}.zh.html", name.replace(' ', "-")));
        assert_ok(&dianzhi(&["report", s(&d), "--lang", "zh", "--out", s(&page), "--quiet"]));
        let html = std::fs::read_to_string(&page).unwrap();
        assert_self_contained(&html);
        assert!(html.contains("<html lang=\"zh\">"), "{name}");
        for h2 in html.split("<h2>").skip(1).map(|h| &h[..h.find("</h2>").unwrap()]) {
            assert!(cjk(h2), "{name}: the heading {h2:?} is not in Chinese");
        }
        for w in words {
            assert!(html.contains(w), "{name}: {w:?} missing");
        }
        for english in ["<h2>Pools</h2>", "darker is higher", "no value on one side", "scale per column"] {
            assert!(!html.contains(english), "{name}: {english:?} left in English");
        }
        // a labelled header keeps its column's name under the label
        if name != "compare" {
            assert!(html.contains("<span class=\"col\">"), "{name}: no column name under a label");
        }
    }
    let year = std::fs::read_to_string(out.join("dip/report.zh.html")).unwrap();
    assert!(
        year.contains("统筹区<span class=\"col\">region</span>") && year.contains("点值<span class=\"col\">pv</span>")
    );
    assert!(year.contains("<title>dianzhi · DIP年度清算</title>"));
}

/// The `<svg>` charts of a page.
fn charts(html: &str) -> Vec<String> {
    html.match_indices("<svg ")
        .map(|(at, _)| html[at..at + html[at..].find("</svg>").unwrap() + 6].to_string())
        .collect()
}

/// The rects of a chart wider and taller than 4 pixels with a #rrggbb fill and full opacity:
/// (x, y, width, height, colour).
fn coloured_rects(svg: &str) -> Vec<(f64, f64, f64, f64, [u8; 3])> {
    svg.match_indices("<rect ")
        .filter_map(|(at, _)| {
            let tag = &svg[at..at + svg[at..].find('>').unwrap()];
            let attr = |name: &str| -> Option<&str> {
                let key = format!(" {name}=\"");
                let from = tag.find(&key)? + key.len();
                Some(&tag[from..from + tag[from..].find('"')?])
            };
            // a coordinate the browser cannot read is a failure, not a mark to skip
            let num = |name: &str| -> Option<f64> {
                let v = attr(name)?;
                Some(v.parse::<f64>().unwrap_or_else(|_| panic!("<rect {name}=\"{v}\">: not a number")))
            };
            let fill = attr("fill")?.strip_prefix('#').filter(|f| f.len() == 6)?;
            if attr("fill-opacity").is_some() {
                return None;
            }
            let rgb = [0, 2, 4].map(|i| u8::from_str_radix(&fill[i..i + 2], 16).unwrap());
            let (x, y, w, h) = (num("x")?, num("y")?, num("width")?, num("height")?);
            (w > 4.0 && h > 4.0).then_some((x, y, w, h, rgb))
        })
        .collect()
}

/// A decoded picture.
struct Pixels {
    width: u32,
    channels: usize,
    data: Vec<u8>,
}

impl Pixels {
    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y * self.width + x) as usize * self.channels;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }
}

fn pixels(png: &Path) -> Pixels {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut data = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut data).unwrap();
    data.truncate(info.buffer_size());
    Pixels { width: info.width, channels: info.color_type.samples(), data }
}

/// Chinese labels are drawn as glyphs, not as the boxes a missing font draws: two different
/// names render to different pictures (boxes would be the same), each with ink.
#[test]
fn chinese_labels_render_as_glyphs() {
    if chromium().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-pictures");
    std::fs::create_dir_all(&shots).unwrap();
    let draw = |name: &str, text: &str| -> Pixels {
        // the report's own font stack, from a page it writes
        let page = dir.path().join(format!("{name}.html"));
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"120\"><text x=\"10\" y=\"80\" font-size=\"64\" font-family=\"Noto Sans CJK SC, WenQuanYi Zen Hei, sans-serif\">{text}</text></svg>"
        );
        std::fs::write(&page, format!("<!DOCTYPE html><html><body style=\"margin:0\">{svg}</body></html>")).unwrap();
        let png = shots.join(format!("glyphs-{name}.png"));
        render(&page, &png, 800, 600);
        pixels(&png)
    };
    let (a, b) = (draw("jinan", "济南"), draw("qingdao", "青岛"));
    let ink = |p: &Pixels| p.data.chunks(p.channels).filter(|c| c[0] < 128).count();
    assert!(ink(&a) > 200 && ink(&b) > 200, "the labels left no ink");
    assert_ne!(a.data, b.data, "济南 and 青岛 render alike: boxes, not glyphs (install fonts-wqy-zenhei)");
}

/// `report A B C --out FILE.html`: settle outputs of several quarters make one trend page — a
/// chart per region, and each pool's change from the quarter before and from a year before,
/// exact; outputs of two kinds, a quarter given twice, or no --out are refused.
#[test]
fn several_quarters_make_a_trend_page() {
    let d = tempfile::tempdir().unwrap();
    let mut outs = Vec::new();
    for (q, seed) in [("2025Q1", "1"), ("2025Q2", "2"), ("2026Q1", "3")] {
        let g = d.path().join(format!("g{q}"));
        assert_ok(&dianzhi(&[
            "generate",
            "--rows",
            "3000",
            "--institutions",
            "200",
            "--quarter",
            q,
            "--seed",
            seed,
            "--out",
            s(&g),
            "--format",
            "csv",
            "--quiet",
        ]));
        let out = d.path().join(format!("s{q}"));
        let (claims, budgets, interim) = (g.join("claims"), g.join("budgets.csv"), g.join("interim.csv"));
        assert_ok(&dianzhi(&[
            "settle",
            "--claims",
            s(&claims),
            "--budgets",
            s(&budgets),
            "--interim",
            s(&interim),
            "--out",
            s(&out),
            "--format",
            "csv",
            "--quiet",
        ]));
        outs.push(out);
    }
    let page = d.path().join("trend.html");
    let mut args = vec!["report"];
    args.extend(outs.iter().map(|o| s(o)));
    args.extend(["--out", s(&page), "--quiet"]);
    assert_ok(&dianzhi(&args));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Point values over the quarters"));
    // the same page in Chinese: its heading, the changes' headers, the labels over the names
    let zh = d.path().join("trend.zh.html");
    let mut args_zh = vec!["report"];
    args_zh.extend(outs.iter().map(|o| s(o)));
    args_zh.extend(["--lang", "zh", "--out", s(&zh), "--quiet"]);
    assert_ok(&dianzhi(&args_zh));
    let zh = std::fs::read_to_string(&zh).unwrap();
    for w in ["<h2>各季度点值走势</h2>", "环比变化", "同比变化", "浮动点值<span class=\"col\">fpv</span>", "不从 0 起"]
    {
        assert!(zh.contains(w), "the Chinese trend page lacks {w:?}");
    }
    let regions: std::collections::BTreeSet<String> =
        table(&outs[0].join("point_values.csv")).into_iter().map(|r| r["region"].clone()).collect();
    assert_eq!(html.matches("<svg ").count(), regions.len(), "a chart per region");
    // one pool's row of 2026Q1: its change from 2025Q2 and from 2025Q1, exact
    let fpv = |o: &std::path::PathBuf| -> i128 {
        let rows = table(&o.join("point_values.csv"));
        let r = rows.iter().find(|r| r["sector"] == "hospital" && r["region"] == "north").unwrap();
        r["fpv"].replace('.', "").parse().unwrap()
    };
    let (q1, q2, now) = (fpv(&outs[0]), fpv(&outs[1]), fpv(&outs[2]));
    let shown = |d: i128| format!("{}{}", if d > 0 { "+" } else { "" }, format_4(d));
    let row =
        format!("<td>north</td><td>hospital</td><td>2026Q1</td><td class=\"n\">{}</td><td>2025Q2</td>", format_4(now));
    let at = html.find(&row).unwrap_or_else(|| panic!("no row {row}"));
    let rest = &html[at..at + html[at..].find("</tr>").unwrap()];
    assert!(rest.contains(&format!(">{}</td><td>2025Q1</td>", shown(now - q2))), "{rest}");
    assert!(rest.contains(&format!(">{}</td>", shown(now - q1))), "{rest}");
    // refused: no --out; a quarter twice; outputs of two kinds
    let o = dianzhi(&["report", s(&outs[0]), s(&outs[1])]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out FILE.html"), "{}", stderr(&o));
    let copy = d.path().join("again");
    std::fs::create_dir_all(&copy).unwrap();
    for f in ["point_values.csv", "manifest.json"] {
        std::fs::copy(outs[0].join(f), copy.join(f)).unwrap();
    }
    let o = dianzhi(&["report", s(&outs[0]), s(&copy), "--out", s(&d.path().join("x.html"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("quarter 2025Q1 is in"), "{}", stderr(&o));
    let dip = d.path().join("dip");
    let lookups: Vec<String> = ["groups", "averages", "institutions", "funds"]
        .iter()
        .flat_map(|t| [format!("--{t}"), demo(&format!("dip/{t}.csv"))])
        .collect();
    let mut dip_args = vec!["dip", "settle", "--cases"];
    let cases = demo("dip/cases.csv");
    dip_args.push(&cases);
    dip_args.extend(lookups.iter().map(String::as_str));
    let config = demo("dip/dip.toml");
    dip_args.extend(["--config", &config, "--out", s(&dip), "--quiet"]);
    assert_ok(&dianzhi(&dip_args));
    let o = dianzhi(&["report", s(&outs[0]), s(&dip), "--out", s(&d.path().join("y.html"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("of one kind"), "{}", stderr(&o));
}

/// A fixed-point value at 4 decimals as the tables write it.
fn format_4(v: i128) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let v = v.abs();
    format!("{sign}{}.{:04}", v / 10_000, v % 10_000)
}
