//! Rendering pages in a real browser (headless Chromium), for the tests of what people look at.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The browser that renders the pages. CI (CI=true) installs it and must have it; elsewhere a
/// machine without one skips the rendering and says so, rather than failing `cargo test`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DIANZHI_CHROMIUM") {
        return Some(p.into());
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] {
        if Path::new(p).is_file() {
            return Some(p.into());
        }
    }
    let why = "no Chromium to render the report with: install Debian's chromium (apt-get install chromium), as .ci/run does, or set DIANZHI_CHROMIUM";
    assert!(std::env::var("CI").is_err(), "{why}");
    eprintln!("skipped: {why}");
    None
}

/// Renders `page` headless at `width` × `height` into `png`.
pub fn render(page: &Path, png: &Path, width: u32, height: u32) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium().expect("checked by the caller"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed: {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not render {} within 2 minutes", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The picture's size, and the share of its pixels that are not the white background.
pub fn picture(png: &Path) -> ((u32, u32), f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let inked = pixels.iter().filter(|p| p[..3].iter().any(|c| *c < 240)).count();
    let colors: std::collections::HashSet<[u8; 3]> = pixels.iter().map(|p| [p[0], p[1], p[2]]).collect();
    ((info.width, info.height), inked as f64 / pixels.len() as f64, colors.len())
}

/// Prints `page` headless to the PDF `pdf` (A4, as the page's print styles say).
pub fn print_pdf(page: &Path, pdf: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let status = Command::new(chromium().expect("checked by the caller"))
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start chromium");
    assert!(status.success() && pdf.is_file(), "chromium printed no PDF of {}", page.display());
}

/// The pages of a PDF file (its page objects).
pub fn pdf_pages(pdf: &Path) -> usize {
    let bytes = std::fs::read(pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// How many pixels of the columns `xs` of a picture are not the white background.
pub fn column_inked(png: &Path, xs: std::ops::Range<u32>) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let mut n = 0;
    for y in 0..info.height {
        for x in xs.clone() {
            let at = ((y * info.width + x) as usize) * channels;
            if buf[at..at + 3].iter().any(|c| *c < 240) {
                n += 1;
            }
        }
    }
    n
}
