//! Times the device snapshot: `cargo run --release -p deskside-device --example
//! snapshot_bench -- [N]` takes N snapshots (default 20) and prints min/median/max in ms.

use std::time::Instant;

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20)
        .max(1);
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        last = Some(deskside_device::snapshot().await);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let pick = |i: usize| times.get(i).copied().unwrap_or_default();
    #[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
    {
        println!(
            "{runs} snapshots: min {:.2} ms, median {:.2} ms, max {:.2} ms",
            pick(0),
            pick(runs / 2),
            pick(runs - 1)
        );
        if let Some(s) = last {
            println!(
                "{} interfaces, {} volumes, notes: {:?}",
                s.network.interfaces.len(),
                s.volumes.len(),
                s.notes
            );
        }
    }
}
