//! Progress display on stderr. indicatif draws nothing when stderr is not
//! a terminal, so pipes and CI logs stay clean; `--quiet` hides it
//! everywhere ([`silence`]).

use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static SILENT: AtomicBool = AtomicBool::new(false);

/// Hides every progress display made from now on (`--quiet`).
pub fn silence() {
    SILENT.store(true, Ordering::Relaxed);
}

/// A new bar, hidden when silenced.
fn bar(len: Option<u64>) -> ProgressBar {
    let pb = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    if SILENT.load(Ordering::Relaxed) {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb
}

/// A spinner for a step of unknown length.
pub fn spinner(message: &'static str) -> ProgressBar {
    let pb = bar(None);
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
    );
    pb.set_message(message);
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// A bar over simulated time, in seconds.
pub fn simulated_time(total_us: u64) -> ProgressBar {
    let pb = bar(Some(total_us / 1_000_000));
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
    let pb = bar(Some(total));
    pb.set_style(
        ProgressStyle::with_template(
            "running {msg} {wide_bar} {pos}/{len} runs  ({elapsed} elapsed, eta {eta})",
        )
        .expect("valid template"),
    );
    pb
}
