//! Progress display on stderr. indicatif draws nothing when stderr is not
//! a terminal, so pipes and CI logs stay clean.

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner for a step of unknown length.
pub fn spinner(message: &'static str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
    );
    pb.set_message(message);
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// A bar over simulated time, in seconds.
pub fn simulated_time(total_us: u64) -> ProgressBar {
    let pb = ProgressBar::new(total_us / 1_000_000);
    pb.set_style(
        ProgressStyle::with_template(
            "simulating {wide_bar} {human_pos}/{human_len} simulated s  ({elapsed} elapsed, eta {eta})",
        )
        .expect("valid template"),
    );
    pb
}

/// A bar over completed runs (of an ensemble, a study, a sweep's shard).
pub fn runs(total: u64) -> ProgressBar {
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template(
            "running {msg} {wide_bar} {pos}/{len} runs  ({elapsed} elapsed, eta {eta})",
        )
        .expect("valid template"),
    );
    pb
}
