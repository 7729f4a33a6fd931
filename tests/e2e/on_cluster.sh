#!/usr/bin/env bash
# Runs a test binary against the e2e fixture's real cluster: COSMIC_TEST_BOOTSTRAP from
# DIR/bootstrap, which makes the Kafka library's EmbeddedCluster fixture use that cluster.
#   tests/e2e/on_cluster.sh DIR BINARY [ARGS...]
# On the dev-broker (COSMIC_E2E_KAFKA=mock) it exits 77, which ctest reports as skipped: the
# suite already runs on the mock cluster under the integration label.
set -euo pipefail
(($# >= 2)) || { echo "usage: $0 DIR BINARY [ARGS...]" >&2; exit 2; }
dir=$1
shift
if [[ $(cat "$dir/mode") != real ]]; then
    echo "skipped: the e2e cluster is the dev-broker; this suite runs on the mock under the integration label"
    exit 77
fi
COSMIC_TEST_BOOTSTRAP=$(cat "$dir/bootstrap")
export COSMIC_TEST_BOOTSTRAP
exec "$@"
