//! Scratch profiling harness (not committed).
use std::time::Instant;
fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    f[11].parse::<f64>().unwrap() / 100.0
}
fn main() {
    let which = std::env::args().nth(1).unwrap_or("small".into());
    let hours: u64 = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(24);
    let reps: u32 = std::env::args()
        .nth(3)
        .map(|s| s.parse().unwrap())
        .unwrap_or(1);
    let s = match which.as_str() {
        "small" => wormscope_bench::small_world_scenarios(hours)[0].1.clone(),
        "dense" => wormscope_bench::small_world_scenarios(hours)[1].1.clone(),
        "sample" => {
            let mut s = wormscope_scenario::builtin("blaster-sample").unwrap();
            s.duration = wormscope_scenario::SimDuration::from_secs(hours * 3600);
            s
        }
        _ => {
            let mut s = wormscope_scenario::default_scenario();
            s.duration = wormscope_scenario::SimDuration::from_secs(hours * 3600);
            s
        }
    };
    let t = Instant::now();
    let world = wormscope_model::generate::generate(&s).unwrap();
    eprintln!("world {:.2}s", t.elapsed().as_secs_f64());
    for _ in 0..reps {
        let t = Instant::now();
        let c0 = cpu();
        let mut last = Instant::now();
        let mut day = 0u64;
        let r = wormscope_engine::simulate(&s, &world, &mut |us| {
            let d = us / 86_400_000_000;
            if d > day {
                eprintln!("day {day} took {:.2}s", last.elapsed().as_secs_f64());
                last = Instant::now();
                day = d;
            }
        });
        eprintln!(
            "cpu {:.2}s sim {:.3}s events {} ever {} probes {}",
            cpu() - c0,
            t.elapsed().as_secs_f64(),
            r.events,
            r.totals.ever_infected,
            r.totals.probes
        );
    }
}
