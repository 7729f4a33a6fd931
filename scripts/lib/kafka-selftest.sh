# shellcheck shell=bash
# `scripts/kafka selftest`: proves a real 3-node cluster survives losing a broker without losing
# an acknowledged message. Fetch, start 3 nodes, create a topic with RF 3, produce 1000 messages
# (acks=all), SIGKILL node 2, produce 1000 more, restart node 2, wait until it is back in every
# ISR, consume all 2000, stop, and check that no process of the cluster is left.
# With --sasl-ssl the same runs over the SASL_SSL client listener.
# Sourced by scripts/kafka (uses its DIR, KEEP, SASL_ARG and helpers), never run.

SELFTEST_TOPIC=selftest
SELFTEST_TIMINGS=()

# step NAME COMMAND... : runs COMMAND, records its duration, fails the selftest if it fails.
step() {
    local name=$1 started rc=0
    shift
    info "selftest: ${name}"
    started=$(now_ms)
    "$@" || rc=$?
    SELFTEST_TIMINGS+=("$(printf '%-40s %8d ms' "$name" $(($(now_ms) - started)))")
    ((rc == 0)) || die "selftest: '${name}' failed (exit ${rc})"
}

selftest_kafka() { "${SCRIPT_DIR}/kafka" "$@"; }

selftest_kcat() {
    # -q before -F: kcat announces the file it reads unless it is already quiet.
    kcat -q -b "$(cat "${DIR}/bootstrap")" -F "${DIR}/client.properties" "$@"
}

# produce FIRST LAST : messages "message-FIRST".."message-LAST", each acknowledged by all
# in-sync replicas; kcat exits non-zero if any delivery failed.
selftest_produce() {
    seq -f 'message-%05g' "$1" "$2" |
        selftest_kcat -P -t "$SELFTEST_TOPIC" -X acks=all -X enable.idempotence=true -X linger.ms=5
}

# Until every partition of the topic lists all three replicas in its ISR again, i.e. the
# restarted node caught up rather than merely registered.
selftest_wait_full_isr() {
    local deadline lagging
    deadline=$(($(now_ms) + 120000))
    while :; do
        lagging=$(selftest_kcat -L -t "$SELFTEST_TOPIC" -m 3 2>/dev/null |
            awk '/^    partition [0-9]+,/ { n = split($NF, isr, ","); if (n < 3) bad++; seen++ }
                 END { print (seen == 0) ? "no-partitions" : bad + 0 }')
        [[ $lagging == 0 ]] && return 0
        if (($(now_ms) >= deadline)); then
            info "partitions still short of 3 in-sync replicas: ${lagging}"
            return 1
        fi
        sleep 0.5
    done
}

# Reads the whole topic and compares it, as a set and by count, with what was produced.
selftest_consume_all() {
    local got="${DIR}/selftest-consumed.txt" want="${DIR}/selftest-expected.txt"
    selftest_kcat -C -t "$SELFTEST_TOPIC" -o beginning -e -q -f '%s\n' >"$got"
    seq -f 'message-%05g' 1 2000 >"$want"
    local count distinct
    count=$(wc -l <"$got")
    distinct=$(sort -u "$got" | wc -l)
    info "consumed ${count} messages (${distinct} distinct)"
    if ! diff -q <(sort -u "$got") "$want" >/dev/null; then
        info "missing: $(comm -13 <(sort -u "$got") "$want" | head -n 5 | tr '\n' ' ')..."
        return 1
    fi
    # The idempotent producer promises no duplicates despite retries across the failover.
    ((count == 2000)) || {
        info "expected exactly 2000 messages, got ${count}"
        return 1
    }
}

selftest_no_process_left() {
    local n pids
    for n in 1 2 3; do
        pids=$(node_pids "$DIR" "$n" | tr '\n' ' ')
        [[ -z $pids ]] || {
            info "node ${n} still has processes: ${pids}"
            return 1
        }
    done
}

selftest_rss() {
    local n pid
    for n in 1 2 3; do
        pid=$(node_pid "$DIR" "$n") || continue
        printf 'node %s RSS %s MiB\n' "$n" $(($(awk '/^VmRSS:/{print $2}' "/proc/${pid}/status") / 1024))
    done
}

selftest_cleanup() {
    local rc=$?
    trap - EXIT
    if [[ -f ${DIR}/cluster.env ]] && [[ -n $(for n in 1 2 3; do node_pids "$DIR" "$n"; done) ]]; then
        selftest_kafka stop --dir "$DIR" || rc=1
    fi
    if ((rc == 0 && KEEP == 0)) && [[ $DIR == */cosmic-kafka-selftest.* ]]; then
        rm -rf "$DIR"
    else
        info "selftest files kept in ${DIR}"
    fi
    exit "$rc"
}

run_selftest() {
    require_cmd kcat "the selftest produces and consumes with kcat (Debian: apt-get install kcat)"
    if [[ -z $DIR ]]; then
        DIR=$(mktemp -d "${TMPDIR:-/tmp}/cosmic-kafka-selftest.XXXXXX")
    fi
    [[ ! -e ${DIR}/cluster.env ]] || die "selftest needs a new --dir; ${DIR} already holds a cluster"
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    trap selftest_cleanup EXIT
    local started
    started=$(now_ms)

    step "fetch" selftest_kafka fetch
    local security=()
    [[ -n $SASL_ARG ]] && security=(--sasl-ssl)
    step "start --nodes 3 ${security[*]:+--sasl-ssl }(to ready)" selftest_kafka start --nodes 3 --dir "$DIR" \
        "${security[@]}" >/dev/null
    selftest_rss >&2
    step "create topic (3 partitions, RF 3)" selftest_kafka topics --dir "$DIR" --create \
        --topic "$SELFTEST_TOPIC" --partitions 3 --replication-factor 3
    step "produce 1000 (acks=all)" selftest_produce 1 1000
    step "SIGKILL node 2" selftest_kafka kill --dir "$DIR" 2
    step "produce 1000 with node 2 down" selftest_produce 1001 2000
    step "restart node 2 (to rejoined)" selftest_kafka restart --dir "$DIR" 2
    step "node 2 back in every ISR" selftest_wait_full_isr
    step "consume all 2000" selftest_consume_all
    step "stop" selftest_kafka stop --dir "$DIR"
    step "no process of the cluster left" selftest_no_process_left

    printf '%s\n' "${SELFTEST_TIMINGS[@]}" >&2
    info "selftest passed in $(($(now_ms) - started)) ms"
}
