#!/usr/bin/env bash
# The Kafka cluster the e2e tests share, started once per ctest run (FIXTURES_SETUP e2e_cluster)
# and stopped at the end (FIXTURES_CLEANUP), whether the tests passed or not.
#
#   tests/e2e/cluster.sh start DIR   stop anything a previous run left in DIR, then start:
#                                    real (default): a 3-node Apache Kafka cluster (scripts/kafka)
#                                      and the topic table (cosmicctl topics apply --replication 3
#                                      --min-insync 2; TopicCommand when cosmicctl is not built)
#                                    COSMIC_E2E_KAFKA=mock: the dev-broker (librdkafka mock cluster,
#                                      creates the table's topics itself)
#   tests/e2e/cluster.sh start DIR sasl
#                                    the SASL tests' own node instead: 1 Apache Kafka node with a
#                                    SASL_SSL client listener (SCRAM-SHA-512 and PLAIN, user
#                                    'cosmic', a throwaway CA made with openssl; the password and
#                                    CA are in DIR/kafka/client.properties and DIR/kafka/tls/ca.pem);
#                                    no topics. With COSMIC_E2E_KAFKA=mock nothing is started (the
#                                    mock has no SASL or TLS) and the tests skip themselves
#   tests/e2e/cluster.sh stop DIR    stop the cluster and every service a test left running
#
# Writes DIR/bootstrap (the bootstrap list) and DIR/mode (real|mock); on the mock also
# DIR/dev-broker.port (its fault-injection API: broker down/up). The tests find DIR through
# COSMIC_E2E_DIR. Binaries come from the environment the CMake test sets:
# COSMIC_E2E_COSMICCTL, COSMIC_E2E_DEV_BROKER, COSMIC_E2E_TOPIC_TABLE (prints the topic table,
# for the TopicCommand fallback).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kafka_script=$repo/scripts/kafka

say() { printf 'e2e-cluster: %s\n' "$*"; }
# Durations also go to <dir>/timings (kept after stop) so CI can report them.
timing() { say "$*"; printf '%s\n' "$*" >>"$dir/timings"; }
die() { printf 'e2e-cluster: error: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }

(($# == 2 || $# == 3)) || die "usage: $0 start|stop DIR [sasl]"
command=$1
dir=$(realpath -m "$2")
flavour=${3:-plain}
[[ $flavour == plain || $flavour == sasl ]] || die "the third argument must be 'sasl', got '$flavour'"
mode=${COSMIC_E2E_KAFKA:-real}
[[ $mode == real || $mode == mock ]] || die "COSMIC_E2E_KAFKA must be 'real' or 'mock', got '$mode'"

# Services a test started register themselves in DIR/pids/<pid> (content: the binary's path), so
# a test binary that crashed cannot leave them running. The path check keeps a recycled pid safe.
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

stop_dev_broker() {
    local pid
    [[ -f $dir/dev-broker.pid ]] || return 0
    pid=$(cat "$dir/dev-broker.pid")
    # The path check keeps a recycled pid safe.
    if [[ $(readlink "/proc/$pid/exe" 2>/dev/null || true) == "$(cat "$dir/dev-broker.exe" 2>/dev/null)" ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$(($(now_ms) + 10000))
        while kill -0 "$pid" 2>/dev/null; do
            if (($(now_ms) >= deadline)); then
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.1
        done
    fi
    rm -f "$dir/dev-broker.pid"
}

stop_all() {
    stop_left_services
    stop_dev_broker
    # Always, whatever the mode: a real cluster a previous run left must not keep its JVMs.
    if [[ -f $dir/kafka/cluster.env ]]; then
        "$kafka_script" stop --dir "$dir/kafka" >&2
    fi
}

# The fallback when cosmicctl is not built: one TopicCommand per topic, all at once.
create_topics_with_topic_command() {
    local table=${COSMIC_E2E_TOPIC_TABLE:-}
    [[ -x $table ]] || die "neither cosmicctl nor the topic table helper is built (COSMIC_E2E_TOPIC_TABLE)"
    local name partitions retention compression pids=() failed=0 pid
    mkdir -p "$dir/topics"
    while read -r name partitions retention compression; do
        "$kafka_script" topics --dir "$dir/kafka" --create --if-not-exists --topic "$name" \
            --partitions "$partitions" --replication-factor 3 \
            --config "retention.ms=$retention" --config "compression.type=$compression" \
            --config min.insync.replicas=2 --config cleanup.policy=delete \
            >"$dir/topics/$name.log" 2>&1 &
        pids+=($!)
    done < <("$table")
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    if ((failed)); then
        cat "$dir"/topics/*.log >&2
        die "creating the topics with TopicCommand failed"
    fi
}

start_real() {
    local t0 t1 bootstrap
    t0=$(now_ms)
    bootstrap=$("$kafka_script" start --nodes 3 --dir "$dir/kafka") || die "scripts/kafka start failed"
    t1=$(now_ms)
    timing "3-node Apache Kafka cluster up in $((t1 - t0)) ms: $bootstrap"
    local cosmicctl=${COSMIC_E2E_COSMICCTL:-}
    if [[ -x $cosmicctl ]]; then
        "$cosmicctl" --bootstrap "$bootstrap" --timeout 120 topics apply --replication 3 --min-insync 2 \
            >"$dir/topics-apply.log" 2>&1 || { cat "$dir/topics-apply.log" >&2; die "cosmicctl topics apply failed"; }
        timing "topics created with cosmicctl topics apply in $(($(now_ms) - t1)) ms"
    else
        create_topics_with_topic_command
        say "topics created with TopicCommand (cosmicctl is not built) in $(($(now_ms) - t1)) ms"
    fi
    printf '%s\n' "$bootstrap" >"$dir/bootstrap"
}

start_sasl() {
    local t0 bootstrap
    t0=$(now_ms)
    bootstrap=$("$kafka_script" start --nodes 1 --sasl-ssl --dir "$dir/kafka") || die "scripts/kafka start failed"
    timing "1-node SASL_SSL Apache Kafka up in $(($(now_ms) - t0)) ms: $bootstrap"
    printf '%s\n' "$bootstrap" >"$dir/bootstrap"
}

start_mock() {
    local broker=${COSMIC_E2E_DEV_BROKER:-} t0 pid deadline
    [[ -x $broker ]] || die "COSMIC_E2E_KAFKA=mock needs the dev-broker, which is not built (COSMIC_E2E_DEV_BROKER)"
    t0=$(now_ms)
    realpath "$broker" >"$dir/dev-broker.exe"
    # Its own session and no inherited pipe: ctest must not wait for the broker's stdout. bash
    # records its own pid and then becomes the broker (exec), so the pid file names the broker
    # whether or not setsid had to fork. The broker writes the bootstrap file atomically, and its
    # control API port to COSMIC_PORT_FILE.
    # shellcheck disable=SC2016
    COSMIC_PORT_FILE=$dir/dev-broker.port setsid bash -c 'printf "%s\n" "$$" >"$0" && exec "$@"' \
        "$dir/dev-broker.pid" "$broker" --brokers 3 --bootstrap-file "$dir/bootstrap" \
        </dev/null >"$dir/dev-broker.log" 2>&1 &
    deadline=$(($(now_ms) + 30000))
    until [[ -s $dir/dev-broker.pid ]]; do
        (($(now_ms) < deadline)) || die "dev-broker recorded no pid within 30 s"
        sleep 0.05
    done
    pid=$(cat "$dir/dev-broker.pid")
    until [[ -s $dir/bootstrap && -s $dir/dev-broker.port ]]; do
        kill -0 "$pid" 2>/dev/null || { cat "$dir/dev-broker.log" >&2; die "dev-broker exited"; }
        (($(now_ms) < deadline)) || die "dev-broker wrote no bootstrap or port file within 30 s"
        sleep 0.05
    done
    say "dev-broker (pid $pid, control port $(cat "$dir/dev-broker.port")) up in $(($(now_ms) - t0)) ms: $(cat "$dir/bootstrap")"
}

case "$command" in
    start)
        mkdir -p "$dir"
        stop_all
        # Fresh state every run: no topics, offsets or service data from an earlier run.
        rm -rf "$dir/kafka" "$dir/pids" "$dir/runs" "$dir/topics" "$dir/bootstrap" "$dir/mode" "$dir/dev-broker".* "$dir/timings"
        mkdir -p "$dir/pids" "$dir/runs"
        if [[ $flavour == sasl && $mode == mock ]]; then
            say "COSMIC_E2E_KAFKA=mock: no SASL_SSL node (the mock cluster has no SASL); the tests skip"
        elif [[ $flavour == sasl ]]; then
            start_sasl
        elif [[ $mode == real ]]; then
            start_real
        else
            start_mock
        fi
        printf '%s\n' "$mode" >"$dir/mode"
        ;;
    stop)
        [[ -d $dir ]] || exit 0
        t0=$(now_ms)
        stop_all
        timing "stopped in $(($(now_ms) - t0)) ms"
        ;;
    *) die "unknown command '$command' (start|stop)" ;;
esac
