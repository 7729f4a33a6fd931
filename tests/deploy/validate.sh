#!/usr/bin/env bash
# Validates the deploy files without Docker or a cluster: docker-compose.yml, the kustomize base
# and overlays, Prometheus/Alertmanager/Grafana config, the alert rules and their unit tests, the
# topic table in Strimzi/compose/KEDA, and the probes, grace periods and service links of every
# workload. Runs every check, prints one line per check and ends with "N passed, M failed".
#
#   tests/deploy/validate.sh [--build-dir DIR]
#
# --build-dir (or COSMIC_BUILD_DIR): a CMake build directory with the service binaries. The topic
# table is read from its tests/e2e/e2e_topic_table (if built) as well as parsed from topics.cpp,
# each service's consumer group default is read from its --help, and every service binary is
# started once with its k8s --config file (Kafka disabled, port 0) to prove the file is accepted
# and /healthz answers. Without it, or with a binary missing, those checks FAIL: nothing is
# skipped, and a missing tool is a failure that says how to install it.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${COSMIC_BUILD_DIR:-}"
while (($#)); do
    case "$1" in
        --build-dir) build_dir="${2:?--build-dir needs a directory}"; shift 2 ;;
        -h | --help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "validate.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [[ -n "$build_dir" ]]; then
    build_dir="$(cd "$build_dir" && pwd)" || exit 2
fi

# Debian's interpreter: python3-yaml comes with yamllint and docker-compose there, while the
# python3 first on PATH may be a separate install without it.
python=/usr/bin/python3
cd "$repo" || exit 2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
# check NAME COMMAND...: runs COMMAND, output kept in a log and shown only on failure.
check() {
    local name="$1"
    shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1))
        echo "ok    $name"
    else
        failed=$((failed + 1))
        echo "FAIL  $name"
        sed 's/^/      /' "$work/out"
    fi
}

# Every tool is required; a missing one fails the run with how to get it.
install_hint() {
    case "$1" in
        kubectl) echo "kubectl (with its built-in kustomize) is not a Debian 12 package and Debian's" \
            "kubernetes-client conflicts with the machine's: install it from the Kubernetes apt" \
            "repository (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/, pkgs.k8s.io)" ;;
        docker-compose) echo "sudo apt-get install docker-compose (or scripts/install-deps)" ;;
        promtool) echo "sudo apt-get install prometheus (or scripts/install-deps)" ;;
        amtool) echo "sudo apt-get install prometheus-alertmanager (or scripts/install-deps)" ;;
        "$python") echo "sudo apt-get install python3-yaml (or scripts/install-deps)" ;;
        *) echo "sudo apt-get install $1 (or scripts/install-deps)" ;;
    esac
}
missing=0
for tool in docker-compose kubectl yamllint promtool amtool shellcheck curl "$python"; do
    if ! command -v "$tool" >/dev/null; then
        echo "FAIL  $tool not found: $(install_hint "$tool")"
        missing=$((missing + 1))
    fi
done
if ((missing)); then
    echo "0 passed, $missing failed (tools missing; nothing else was checked)"
    exit 1
fi

table_args=()
if [[ -n "$build_dir" && -x "$build_dir/tests/e2e/e2e_topic_table" ]]; then
    table_args=(--table-binary "$build_dir/tests/e2e/e2e_topic_table")
fi
topic_table() { "$python" deploy/topics/topic_table.py "${table_args[@]}" "$@"; }

# --- the files as written --------------------------------------------------------------------
check "shellcheck tests/deploy/validate.sh" shellcheck "${BASH_SOURCE[0]}"
check "yamllint deploy/ k8s/ docker-compose.yml" \
    yamllint -c tests/deploy/yamllint.yml -f parsable --strict deploy k8s docker-compose.yml tests/deploy/yamllint.yml
# The passwords compose requires from the environment (no defaults), as placeholders.
compose() {
    POSTGRES_PASSWORD=validate COSMIC_DB_PASSWORD=validate GRAFANA_ADMIN_PASSWORD=validate \
        docker-compose -f docker-compose.yml "$@"
}
check "docker-compose config" compose config -q
compose config >"$work/compose.yml" 2>/dev/null
refuses_without_passwords() {
    local var
    for var in POSTGRES_PASSWORD COSMIC_DB_PASSWORD GRAFANA_ADMIN_PASSWORD; do
        if env -u "$var" POSTGRES_PASSWORD=v COSMIC_DB_PASSWORD=v GRAFANA_ADMIN_PASSWORD=v \
            bash -c "unset $var; docker-compose -f docker-compose.yml config -q" 2>/dev/null; then
            echo "docker-compose config succeeds without $var: it must have no default"
            return 1
        fi
    done
}
check "compose has no default passwords (POSTGRES_PASSWORD, COSMIC_DB_PASSWORD, GRAFANA_ADMIN_PASSWORD)" \
    refuses_without_passwords

# kustomize_to DIR OUT: the rendered manifests, kept for the checks below.
kustomize_to() { kubectl kustomize "$1" >"$2"; }
for target in base overlays/local overlays/production; do
    check "kubectl kustomize k8s/$target" kustomize_to "k8s/$target" "$work/$(basename "$target").yaml"
done

# --- Prometheus, Alertmanager, Grafana ------------------------------------------------------
check "promtool check config deploy/prometheus/prometheus.yml" \
    promtool check config deploy/prometheus/prometheus.yml
check "promtool check rules deploy/prometheus/rules.yml" promtool check rules deploy/prometheus/rules.yml
check "promtool test rules deploy/prometheus/tests/*.yml" \
    promtool test rules deploy/prometheus/tests/*.yml
check "every alert: a firing and a quiet rule test, an absolute runbook_url at a docs/runbook.md section" \
    "$python" tests/deploy/check_manifests.py rules deploy/prometheus/rules.yml docs/runbook.md \
    deploy/prometheus/tests/*.yml

extract_prometheusrule() {
    "$python" - "$work/production.yaml" "$work/prometheusrule-spec.yml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "PrometheusRule"]
assert len(docs) == 1, f"{len(docs)} PrometheusRules in the production overlay"
yaml.safe_dump(docs[0]["spec"], open(sys.argv[2], "w"), sort_keys=False)
PY
    promtool check rules "$work/prometheusrule-spec.yml"
}
check "promtool check rules (production PrometheusRule spec)" extract_prometheusrule
rendered_rule_matches() {
    deploy/prometheus/render-prometheusrule | diff -u k8s/overlays/production/prometheusrule.yaml -
}
check "PrometheusRule is rendered from rules.yml (deploy/prometheus/render-prometheusrule)" rendered_rule_matches

check "amtool check-config deploy/alertmanager/alertmanager.yml" \
    amtool check-config deploy/alertmanager/alertmanager.yml

grafana() {
    "$python" tests/deploy/check_manifests.py grafana deploy/grafana/dashboards/cosmic-events.json \
        deploy/grafana/provisioning/datasources/prometheus.yml "$work/grafana-rules.yml" &&
        promtool check rules "$work/grafana-rules.yml"
}
check "grafana dashboard: datasources, panel ids, every panel query parses" grafana

# --- topic table ------------------------------------------------------------------------------
check "Strimzi KafkaTopics match the topic table" topic_table check-strimzi "$work/production.yaml"
check "compose topic-init applies the topic table" topic_table check-compose "$work/compose.yml"
check "KEDA triggers name table topics, replicas <= partitions" topic_table check-keda "$work/production.yaml"
rendered_topics_match() { topic_table strimzi | diff -u k8s/overlays/production/kafka-topics.yaml -; }
check "committed kafka-topics.yaml is the rendered table" rendered_topics_match
check "KafkaUsers: one SCRAM user per service (ACLs exactly its topics and group) and the operators'" \
    topic_table check-users "$work/production.yaml"
rendered_users_match() { topic_table users | diff -u k8s/overlays/production/kafka-users.yaml -; }
check "committed kafka-users.yaml is the rendered access table" rendered_users_match
check "production: services and KEDA triggers use their own user over SASL_SSL, CA from a Secret" \
    topic_table check-access "$work/production.yaml"
check "health-monitor watches exactly the services' consumer groups (compose, every render)" \
    topic_table check-groups "$work/compose.yml" "$work/base.yaml" "$work/local.yaml" "$work/production.yaml"
if [[ -n "$build_dir" ]]; then
    check "access table vs the services: group defaults (--help) and topics in their sources" \
        topic_table --build-dir "$build_dir" check-code
else
    check "access table vs the services (needs --build-dir with the service binaries)" false
fi

# --- workloads --------------------------------------------------------------------------------
check "k8s base: service links off, probes, grace period, security, Service + PDB" \
    "$python" tests/deploy/check_manifests.py k8s "$work/base.yaml"
check "k8s local overlay: same, plus Kafka, topic-init and sinks" \
    "$python" tests/deploy/check_manifests.py k8s "$work/local.yaml"
check "k8s production overlay: same, plus replicas, no PVCs, KEDA, ServiceMonitor, rules, topics" \
    "$python" tests/deploy/check_manifests.py k8s "$work/production.yaml" --production
check "compose: readiness health checks, stop grace, topic-init order, Prometheus targets" \
    "$python" tests/deploy/check_manifests.py compose "$work/compose.yml" deploy/prometheus/prometheus.yml
check "every service named in Dockerfile, compose, k8s, prometheus.yml exists in services/ (and back)" \
    "$python" tests/deploy/check_manifests.py inventory "$repo" "$work/compose.yml" \
    deploy/prometheus/prometheus.yml "$work/base.yaml" "$work/local.yaml" "$work/production.yaml"
check "images pinned to exact versions; compose Prometheus/Alertmanager = promtool/amtool versions" \
    "$python" tests/deploy/check_manifests.py images deploy/Dockerfile "$work/compose.yml" \
    "$work/base.yaml" "$work/local.yaml" "$work/production.yaml"
same_metrics_config() {
    cmp deploy/kafka/kafka-metrics.yml k8s/overlays/production/kafka-metrics.yml &&
        cmp deploy/kafka/kafka-metrics.yml k8s/overlays/local/kafka-metrics.yml
}
check "Kafka broker metrics rules are the same in compose and both overlays" same_metrics_config
same_demo_files() {
    cmp deploy/config/tokens.json k8s/overlays/local/tokens.json &&
        cmp deploy/config/users.json k8s/overlays/local/users.json
}
check "demo tokens and users are the same in compose and the local overlay" same_demo_files

# --- the real binaries accept the k8s --config files -------------------------------------------
# start_with_config SERVICE BINARY: starts it with Kafka off on a free port, waits (with a
# deadline) for the port file, asks /healthz, stops it with SIGTERM and expects exit status 0.
start_with_config() {
    local name="$1" binary="$2" dir="$work/run-$1" pid port="" status deadline
    mkdir -p "$dir/data"
    KAFKA_ENABLED=false COSMIC_HTTP_PORT=0 COSMIC_HTTP_BIND=127.0.0.1 COSMIC_PORT_FILE="$dir/port" \
        COSMIC_DATA_DIR="$dir/data" COSMIC_TOKENS_FILE="$repo/deploy/config/tokens.json" \
        COSMIC_USERS_FILE="$repo/deploy/config/users.json" COSMIC_LOG_LEVEL=warn \
        "$binary" --config "k8s/base/$name/config.json" >"$dir/log" 2>&1 &
    pid=$!
    deadline=$((SECONDS + 60))
    while [[ ! -s "$dir/port" ]]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"
            echo "$name exited with status $? before serving:"
            cat "$dir/log"
            return 1
        fi
        if ((SECONDS > deadline)); then
            kill -KILL "$pid"
            echo "$name did not write its port file within 60 s:"
            cat "$dir/log"
            return 1
        fi
        sleep 0.1
    done
    port="$(cat "$dir/port")"
    if ! curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz"; then
        kill -KILL "$pid"
        echo "$name: /healthz on port $port did not answer 2xx"
        cat "$dir/log"
        return 1
    fi
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    if ((status != 0)); then
        echo "$name exited with status $status after SIGTERM:"
        cat "$dir/log"
        return 1
    fi
}

if [[ -n "$build_dir" ]]; then
    for name in job-orchestrator metrics-consumer notification-consumer audit-consumer health-monitor; do
        binary="$build_dir/services/$name/$name"
        if [[ -x "$binary" ]]; then
            check "$name starts with k8s/base/$name/config.json" start_with_config "$name" "$binary"
        else
            check "$name starts with k8s/base/$name/config.json (no binary at $binary: build it)" false
        fi
    done
else
    check "the services start with their k8s --config files (needs --build-dir)" false
fi

echo "$passed passed, $failed failed"
((failed == 0))
