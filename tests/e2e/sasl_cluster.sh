#!/usr/bin/env bash
# The SASL_SSL Kafka node of the e2e SASL tests (FIXTURES_SETUP e2e_sasl_cluster), apart from
# the shared plaintext cluster: one Apache Kafka node from scripts/kafka with a SASL_SSL client
# listener (SCRAM-SHA-512 and PLAIN, user 'cosmic', a throwaway CA made with openssl in DIR).
#
#   tests/e2e/sasl_cluster.sh start DIR   stop what a previous run left in DIR, then start the
#                                         node; writes DIR/bootstrap and DIR/mode (real)
#   tests/e2e/sasl_cluster.sh stop DIR    stop the node and every service a test left running
#
# The password and the CA are in DIR/kafka/client.properties and DIR/kafka/tls/ca.pem (read by
# the tests). With COSMIC_E2E_KAFKA=mock nothing is started: DIR/mode says mock and the tests
# skip themselves (the librdkafka mock cluster has no SASL or TLS).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kafka_script=$repo/scripts/kafka

say() { printf 'e2e-sasl-cluster: %s\n' "$*"; }
die() { printf 'e2e-sasl-cluster: error: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }

(($# == 2)) || die "usage: $0 start|stop DIR"
command=$1
dir=$(realpath -m "$2")
mode=${COSMIC_E2E_KAFKA:-real}
[[ $mode == real || $mode == mock ]] || die "COSMIC_E2E_KAFKA must be 'real' or 'mock', got '$mode'"

# Services the tests started register in DIR/pids/<pid> (content: the binary's path); the path
# check keeps a recycled pid safe.
stop_left_services() {
    local file pid exe
    [[ -d $dir/pids ]] || return 0
    for file in "$dir"/pids/*; do
        [[ -f $file ]] || continue
        pid=$(basename "$file")
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
        if [[ -n $exe && $exe == "$(cat "$file")" ]]; then
            say "killing service left running: pid $pid ($exe)"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$file"
    done
}

stop_all() {
    stop_left_services
    # Whatever the mode: a node an earlier run left must not keep its JVM.
    if [[ -f $dir/kafka/cluster.env ]]; then
        "$kafka_script" stop --dir "$dir/kafka" >&2
    fi
}

case "$command" in
    start)
        mkdir -p "$dir"
        stop_all
        rm -rf "$dir/kafka" "$dir/pids" "$dir/runs" "$dir/bootstrap" "$dir/mode"
        mkdir -p "$dir/pids" "$dir/runs"
        if [[ $mode == mock ]]; then
            say "COSMIC_E2E_KAFKA=mock: no SASL_SSL node (the mock cluster has no SASL); the tests skip"
            printf 'mock\n' >"$dir/mode"
            exit 0
        fi
        t0=$(now_ms)
        bootstrap=$("$kafka_script" start --dir "$dir/kafka" --nodes 1 --sasl-ssl) || die "scripts/kafka start failed"
        say "1-node SASL_SSL Apache Kafka up in $(($(now_ms) - t0)) ms: $bootstrap"
        printf '%s\n' "$bootstrap" >"$dir/bootstrap"
        printf 'real\n' >"$dir/mode"
        ;;
    stop)
        [[ -d $dir ]] || exit 0
        t0=$(now_ms)
        stop_all
        say "stopped in $(($(now_ms) - t0)) ms"
        ;;
    *) die "unknown command '$command' (start|stop)" ;;
esac
