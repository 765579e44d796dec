#!/usr/bin/env bash
# Wall time per message of imip_resource in pipe mode, process start to
# exit, for a REQUEST to a room whose store holds 0, 1,000, 10,000 and
# 100,000 bookings; prints median and p90 per size and the 100k/1k ratio.
# See docs/benchmarks.md. Builds in release mode (cargo's bench profile).
#
# Usage: bench/pipe_latency.sh [extra arguments for benches/pipe_latency.rs]
#   e.g. bench/pipe_latency.sh --runs 50 --sizes 0,10000
# Environment:
#   CARGO_TARGET_DIR  as usual; stores are cached under it (pipe_latency/),
#                     building the 100,000-booking store takes a minute or two
#   RUNS              measured runs per size (default 200)
#   SIZES             comma-separated store sizes (default 0,1000,10000,100000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-200}
sizes=${SIZES:-0,1000,10000,100000}
cargo bench --bench pipe_latency -- --sizes "$sizes" --runs "$runs" --warmup 5 "$@"
