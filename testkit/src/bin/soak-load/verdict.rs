//! Whether the run passed, and why not.
//!
//! Growth rule: the samples are cut into thirds by order. The first third
//! is warm-up (caches filling: SQLite's page caches, the state cache, the
//! allocator's arenas). Memory has levelled off when the median resident
//! size of the last third is at most the middle third's median plus 10 %
//! plus 4 MiB; open files when the last third's median is at most the middle
//! third's plus 10. A leak of a steady rate shows as the last third above the
//! middle one by the same amount as the middle one above the first; a
//! server that levelled off after warm-up shows the two equal. Medians, not
//! maxima, so one sample taken while a burst of connections is open does
//! not decide.

use crate::Options;
use crate::load::Outcome;
use crate::samples::Sample;

/// The growth allowed from the middle third to the last: a fraction and
/// an absolute slack (memory), an absolute slack (open files).
const RSS_FRACTION: f64 = 0.10;
const RSS_SLACK_KIB: f64 = 4.0 * 1024.0;
const FD_SLACK: f64 = 10.0;
/// Fewer samples than this say nothing about growth.
const MIN_SAMPLES: usize = 6;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return 0.0;
    }
    let middle = values.len() / 2;
    if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]) / 2.0 }
}

/// Medians of the middle and last thirds of one measure.
fn thirds(samples: &[Sample], measure: impl Fn(&Sample) -> Option<u64>) -> (f64, f64) {
    let third = samples.len() / 3;
    let values = |part: &[Sample]| median(part.iter().filter_map(&measure).map(|v| v as f64).collect());
    (values(&samples[third..2 * third]), values(&samples[samples.len() - third..]))
}

/// The growth rule (module comment) over the samples.
fn growth(samples: &[Sample], seconds: u64) -> Vec<String> {
    let mut failures = Vec::new();
    if samples.len() < MIN_SAMPLES {
        failures.push(format!("only {} samples: run longer than {} s", samples.len(), seconds));
    } else {
        let (middle, last) = thirds(samples, |s| s.rss_kib);
        let allowed = middle * (1.0 + RSS_FRACTION) + RSS_SLACK_KIB;
        println!(
            "soak: memory median {:.1} MiB (middle third) → {:.1} MiB (last third), allowed {:.1}",
            middle / 1024.0,
            last / 1024.0,
            allowed / 1024.0
        );
        if last > allowed {
            failures.push(format!(
                "memory does not level off: median RSS {:.1} MiB in the last third, {:.1} MiB in the middle one (allowed {:.1})",
                last / 1024.0,
                middle / 1024.0,
                allowed / 1024.0
            ));
        }
        let (middle, last) = thirds(samples, |s| s.fds);
        println!(
            "soak: open files median {middle:.0} (middle third) → {last:.0} (last third), allowed {:.0}",
            middle + FD_SLACK
        );
        if last > middle + FD_SLACK {
            failures.push(format!(
                "open files do not level off: median {last:.0} in the last third, {middle:.0} in the middle one"
            ));
        }
    }
    failures
}

pub(crate) fn judge(options: &Options, outcome: &Outcome) -> Vec<String> {
    let mut failures = growth(&outcome.samples, options.seconds);
    if outcome.error_count > 0 {
        failures.push(format!("{} answer(s) outside the load's design, first ones:", outcome.error_count));
        failures.extend(outcome.errors.iter().map(|e| format!("  {e}")));
    }
    if !outcome.mismatches.is_empty() {
        failures.push(format!("{} lost or doubled counter(s):", outcome.mismatches.len()));
        failures.extend(outcome.mismatches.iter().take(20).map(|m| format!("  {m}")));
    }
    if outcome.events_acked == 0 {
        failures.push("no event was acknowledged: the load did not run".into());
    }
    if outcome.operator_runs == 0 && options.seconds >= 10 {
        failures.push("award-retroactive never completed".into());
    }
    if outcome.streams_opened == 0 && options.subscribers > 0 {
        failures.push("no notification stream was opened".into());
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::Window;

    fn series(rss_mib: impl Fn(usize) -> f64, fds: impl Fn(usize) -> u64) -> Vec<Sample> {
        (0..30)
            .map(|i| Sample::new(i as f64 * 2.0, Some((rss_mib(i) * 1024.0) as u64), Some(fds(i)), &Window::default()))
            .collect()
    }

    #[test]
    fn memory_that_levels_off_after_warm_up_passes() {
        // Fast growth during the first third, then flat with noise.
        let samples = series(|i| if i < 10 { 10.0 + i as f64 } else { 20.0 + (i % 3) as f64 * 0.3 }, |_| 33);
        assert_eq!(growth(&samples, 60), Vec::<String>::new());
    }

    #[test]
    fn memory_growing_steadily_fails() {
        // 1 MiB per sample: 10 MiB from the middle third to the last.
        let samples = series(|i| 20.0 + i as f64, |_| 33);
        let failures = growth(&samples, 60);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].starts_with("memory does not level off"), "{failures:?}");
    }

    #[test]
    fn open_files_growing_steadily_fail() {
        let samples = series(|_| 20.0, |i| 30 + 2 * i as u64);
        let failures = growth(&samples, 60);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].starts_with("open files do not level off"), "{failures:?}");
    }

    #[test]
    fn too_few_samples_fail() {
        let samples = series(|_| 20.0, |_| 33);
        assert_eq!(growth(&samples[..3], 6).len(), 1);
    }
}
