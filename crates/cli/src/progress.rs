//! Progress bars on stderr for the commands' [`Progress`] reports.
//! indicatif draws nothing when stderr is not a terminal, so pipes and CI
//! logs stay clean; `--quiet` hides them everywhere.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wormscope_commands::{Progress, Task, Tracker};

/// Draws each task as an indicatif bar or spinner.
pub struct Bars {
    hidden: bool,
}

impl Bars {
    pub fn new(hidden: bool) -> Bars {
        Bars { hidden }
    }
}

impl Progress for Bars {
    fn note(&self, text: &str) {
        // `--quiet` prints nothing but errors.
        if !self.hidden {
            eprint!("{text}");
        }
    }

    fn start(&self, task: Task<'_>) -> Box<dyn Tracker> {
        let (pb, template) = match task {
            Task::Step(what) => {
                let pb = ProgressBar::new_spinner();
                pb.set_message(what.to_string());
                (pb, "{spinner} {msg} {elapsed}")
            }
            Task::SimulatedSeconds(total) => (
                ProgressBar::new(total),
                "simulating {wide_bar} {human_pos}/{human_len} simulated s  ({elapsed} elapsed, eta {eta})",
            ),
            Task::Runs { total, label } => {
                let pb = ProgressBar::new(total);
                pb.set_message(label.to_string());
                (
                    pb,
                    "running {msg} {wide_bar} {pos}/{len} runs  ({elapsed} elapsed, eta {eta})",
                )
            }
        };
        if self.hidden {
            pb.set_draw_target(ProgressDrawTarget::hidden());
        }
        pb.set_style(ProgressStyle::with_template(template).expect("valid template"));
        if matches!(task, Task::Step(_)) {
            pb.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        Box::new(Bar(pb))
    }
}

/// A bar that clears itself when its task ends.
struct Bar(ProgressBar);

impl Tracker for Bar {
    fn set(&self, position: u64) {
        self.0.set_position(position);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
