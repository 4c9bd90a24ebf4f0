#!/usr/bin/env bash
# Fuzz the readers: fuzz/run.sh SECONDS [TARGET...] (every target when none is named).
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Builds the targets without a sanitizer, so
# the stable toolchain does (`-s none`), with debug assertions on (overflow panics too).
# Seeds come from the test fixtures (examples/fuzz_seeds.rs); what libFuzzer finds on top
# stays in fuzz/corpus/TARGET for the next run. A crash stops the run with its input in
# fuzz/artifacts/TARGET/; copy it to fuzz/regressions/TARGET/ once fixed, and
# tests/fuzz_regressions.rs replays it in `cargo test` from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(geojson case_file kml kmz gpx csv basemap_pack ais)
fi
cargo run --quiet --example fuzz_seeds -- fuzz/seeds
cd fuzz
cargo fuzz build -s none -a
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    rm -rf "artifacts/$target"
    echo "fuzzing $target for ${seconds}s"
    cargo fuzz run -s none -a "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
        | grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|==|thread|SUMMARY|Running|Test unit written)' || true
    if [ -n "$(ls -A "artifacts/$target" 2>/dev/null)" ]; then
        echo "fuzz target $target found a failing input: fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
