//! P-3 (quality.md): state derivation over 1 M isolation actions (100,000 machines ×
//! 10 actions) must take ≤ 0.5 s. Times `cordon_core::fleet::derive::derive` for every machine
//! of a synthetic fleet (see `cordon_bench::fleet`), plus the same run with the per-state
//! counters the Machines view shows.
//!
//! `cargo bench -p cordon-bench --bench derive`

use std::hint::black_box;
use std::time::Duration;

use cordon_bench::fleet;
use cordon_core::fleet::derive::{StateKind, Thresholds, derive};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let machines = 100_000;
    let fleet = fleet::build(machines, 10);
    assert_eq!(fleet::action_count(&fleet), 1_000_000);
    let now = fleet::now();
    let th = Thresholds::default();
    let mut g = c.benchmark_group("derive");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("1M actions, 100k machines", |b| {
        b.iter(|| {
            for m in &fleet {
                black_box(derive(black_box(&m.actions), &m.live, now, th));
            }
        });
    });
    g.bench_function("1M actions, 100k machines + counters", |b| {
        b.iter(|| {
            let mut isolated_now = 0usize;
            let mut stuck = 0usize;
            for m in &fleet {
                let d = derive(&m.actions, &m.live, now, th);
                isolated_now += usize::from(d.kind.is_isolated_now());
                stuck += usize::from(d.kind == StateKind::ReleaseStuck);
            }
            black_box((isolated_now, stuck))
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
