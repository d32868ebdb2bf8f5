//! One sample every few seconds: the server's resident memory (`VmRSS` of
//! `/proc/PID/status`), its open files (entries of `/proc/PID/fd`), and the
//! latency percentiles and count of the requests answered since the last
//! sample. Written as CSV, and drawn as a small SVG.

use std::fmt::Write as _;
use std::path::Path;

/// Latencies (microseconds) recorded since the last sample.
#[derive(Debug, Default)]
pub(crate) struct Window {
    all: Vec<u32>,
    events: Vec<u32>,
}

impl Window {
    pub(crate) fn record(&mut self, micros: u32, is_event: bool) {
        self.all.push(micros);
        if is_event {
            self.events.push(micros);
        }
    }
    pub(crate) fn count(&self) -> usize {
        self.all.len()
    }
}

/// The `q` quantile (0–1) of sorted values, in milliseconds (nearest rank).
fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub at_s: f64,
    pub rss_kib: Option<u64>,
    pub fds: Option<u64>,
    pub requests: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub event_posts: usize,
    pub event_p99_ms: f64,
}

impl Sample {
    pub(crate) fn new(at_s: f64, rss_kib: Option<u64>, fds: Option<u64>, window: &Window) -> Self {
        let mut all = window.all.clone();
        all.sort_unstable();
        let mut events = window.events.clone();
        events.sort_unstable();
        Sample {
            at_s,
            rss_kib,
            fds,
            requests: all.len(),
            p50_ms: quantile_ms(&all, 0.50),
            p95_ms: quantile_ms(&all, 0.95),
            p99_ms: quantile_ms(&all, 0.99),
            max_ms: quantile_ms(&all, 1.0),
            event_posts: events.len(),
            event_p99_ms: quantile_ms(&events, 0.99),
        }
    }

    pub(crate) const CSV_HEADER: &'static str =
        "seconds,rss_kib,open_fds,requests,p50_ms,p95_ms,p99_ms,max_ms,event_posts,event_p99_ms";

    pub(crate) fn csv(&self) -> String {
        format!(
            "{:.1},{},{},{},{:.2},{:.2},{:.2},{:.2},{},{:.2}",
            self.at_s,
            self.rss_kib.map_or(String::new(), |v| v.to_string()),
            self.fds.map_or(String::new(), |v| v.to_string()),
            self.requests,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.max_ms,
            self.event_posts,
            self.event_p99_ms
        )
    }

    /// The progress line printed as the run goes.
    pub(crate) fn line(&self) -> String {
        format!(
            "t={:>5.0}s rss={:>7} KiB fds={:>4} req={:>5} p50={:.1} p95={:.1} p99={:.1} max={:.1} ms",
            self.at_s,
            self.rss_kib.map_or("?".into(), |v| v.to_string()),
            self.fds.map_or("?".into(), |v| v.to_string()),
            self.requests,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.max_ms
        )
    }
}

pub(crate) fn read_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub(crate) fn read_fds(pid: u32) -> Option<u64> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64)
}

pub(crate) fn write_csv(path: &Path, samples: &[Sample]) -> std::io::Result<()> {
    let mut text = String::from(Sample::CSV_HEADER);
    text.push('\n');
    for sample in samples {
        text.push_str(&sample.csv());
        text.push('\n');
    }
    std::fs::write(path, text)
}

/// Two stacked charts over time: resident memory (MiB), and p50/p99
/// latency (ms). Plain SVG polylines, no plotting library.
pub(crate) fn write_svg(path: &Path, samples: &[Sample], title: &str) -> std::io::Result<()> {
    let (width, height, margin) = (640.0, 180.0, 40.0);
    let duration = samples.last().map_or(1.0, |s| s.at_s).max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="{margin}" y="16" font-size="13">{title}</text>
"#,
        w = width + 2.0 * margin,
        h = 2.0 * height + 3.0 * margin
    );
    let rss: Vec<(f64, f64)> = samples.iter().filter_map(|s| s.rss_kib.map(|v| (s.at_s, v as f64 / 1024.0))).collect();
    let p50: Vec<(f64, f64)> = samples.iter().map(|s| (s.at_s, s.p50_ms)).collect();
    let p99: Vec<(f64, f64)> = samples.iter().map(|s| (s.at_s, s.p99_ms)).collect();
    let charts = [
        ("resident memory (MiB)", vec![("#1f6feb", &rss)], margin),
        ("latency (ms): p50 blue, p99 red", vec![("#1f6feb", &p50), ("#d1242f", &p99)], 2.0 * margin + height),
    ];
    for (label, lines, top) in charts {
        let top: f64 = top;
        let max =
            lines.iter().flat_map(|(_, points)| points.iter().map(|p| p.1)).fold(0.0_f64, f64::max).max(1e-9) * 1.1;
        let _ = writeln!(
            svg,
            r##"<rect x="{margin}" y="{top}" width="{width}" height="{height}" fill="none" stroke="#888"/>
<text x="{margin}" y="{ty}">{label}</text>
<text x="{lx}" y="{ly}" text-anchor="end">{max:.1}</text>
<text x="{lx}" y="{by}" text-anchor="end">0</text>
<text x="{rx}" y="{bty}" text-anchor="end">{duration:.0} s</text>"##,
            ty = top - 4.0,
            lx = margin - 4.0,
            ly = top + 10.0,
            by = top + height,
            rx = margin + width,
            bty = top + height + 14.0
        );
        for (colour, points) in lines {
            let coords: Vec<String> = points
                .iter()
                .map(|(t, v)| format!("{:.1},{:.1}", margin + t / duration * width, top + height - v / max * height))
                .collect();
            let _ = writeln!(
                svg,
                r#"<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{}"/>"#,
                coords.join(" ")
            );
        }
    }
    svg.push_str("</svg>\n");
    std::fs::write(path, svg)
}
