//! `detect CAPTURE... [--eve FILE] [--hosts FILE]`: the library's entry
//! point without the command crates (the real command is `wormscope
//! detect`).
fn main() {
    let mut opts = wormscope_detect::Options::default();
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--eve" => opts.eve = args.next().map(Into::into),
            "--hosts" => opts.hosts = args.next().map(Into::into),
            _ => paths.push(a.into()),
        }
    }
    match wormscope_detect::run(&paths, &opts) {
        Ok(report) => print!("{}", report.summary()),
        Err(e) => {
            if let Some(report) = e.report() {
                print!("{}", report.summary());
            }
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
