# shellcheck shell=bash
# Shared helpers of scripts/kafka: messages, prerequisites, the jar cache, free ports and the
# processes of one cluster directory. Sourced, never run.

KAFKA_VERSION=${COSMIC_KAFKA_VERSION:-4.1.1}
KAFKA_CACHE=${COSMIC_KAFKA_CACHE:-${HOME}/.cache/cosmic/kafka/${KAFKA_VERSION}}
# The marker holds a hash of the pom, so editing deploy/kafka/pom.xml refreshes the cache.
KAFKA_MARKER=${KAFKA_CACHE}/.cosmic-fetch-complete

info() { printf 'kafka: %s\n' "$*" >&2; }
die() {
    printf 'kafka: error: %s\n' "$*" >&2
    exit 1
}

now_ms() { date +%s%3N; }

# Debian's interpreter first: the python3 first on PATH may be a slow shim.
python() {
    if [[ -x /usr/bin/python3 ]]; then
        /usr/bin/python3 "$@"
    else
        command -v python3 >/dev/null || die "python3 is required (picks free ports)"
        python3 "$@"
    fi
}

require_java() {
    command -v java >/dev/null ||
        die "java not found: Kafka 4.x needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)"
    local line major
    line=$(java -version 2>&1 | head -n 1)
    major=$(sed -E -n 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/p' <<<"$line")
    # Java 8 and older report "1.<major>".
    if [[ $major == 1\ * ]]; then major=${major#1 }; else major=${major%% *}; fi
    [[ $major =~ ^[0-9]+$ ]] || die "cannot read the Java version from: ${line}"
    ((major >= 17)) || die "Kafka 4.x needs Java 17 or newer; found Java ${major} (${line})"
}

require_cmd() {
    command -v "$1" >/dev/null || die "$1 not found: $2"
}

pom_hash() { sha256sum "$KAFKA_POM" | cut -d' ' -f1; }

cache_complete() {
    [[ -f $KAFKA_MARKER ]] && [[ $(cat "$KAFKA_MARKER") == "$(pom_hash)" ]]
}

require_cache() {
    cache_complete || die "no complete jar cache at ${KAFKA_CACHE}: run 'scripts/kafka fetch' first"
}

# Prints COUNT distinct free TCP ports on 127.0.0.1, one a line. They are drawn below the
# kernel's ephemeral range, so an outgoing connection cannot take a killed node's port before
# `restart` binds it again, and each is bind-tested (all held open together, so no repeats).
pick_ports() {
    python - "$1" <<'EOF'
import random, socket, sys
count = int(sys.argv[1])
with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
    ephemeral_low = int(f.read().split()[0])
low, high = 20000, max(20000 + 1000, ephemeral_low) - 1
held, ports = [], []
for candidate in random.sample(range(low, high + 1), min(2000, high - low + 1)):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", candidate))
    except OSError:
        s.close()
        continue
    held.append(s)
    ports.append(candidate)
    if len(ports) == count:
        break
for s in held:
    s.close()
if len(ports) < count:
    sys.exit("no free ports in %d-%d" % (low, high))
print("\n".join(map(str, ports)))
EOF
}

# True when PID is a live process (zombies count as gone) whose arguments include ARG.
pid_runs() {
    local pid=$1 arg=$2 state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    state=$(process_state "$pid") || return 1
    [[ -n $state && $state != Z && $state != X ]] || return 1
    grep -qzxF -- "$arg" "/proc/${pid}/cmdline" 2>/dev/null
}

# Every live broker JVM of node N of cluster DIR, found by its main class and properties-file
# arguments, so a lost or stale pid file cannot leave a broker behind (and a StorageTool run on
# the same file is not mistaken for one).
node_pids() {
    local props="$1/node-$2/server.properties" file pid
    while IFS= read -r file; do
        pid=${file#/proc/}
        pid=${pid%/cmdline}
        pid_runs "$pid" "$props" && grep -qzxF kafka.Kafka "$file" 2>/dev/null && printf '%s\n' "$pid"
    done < <(grep -lzxF -- "$props" /proc/[0-9]*/cmdline 2>/dev/null)
    return 0
}

# The recorded pid of node N if that process still runs.
node_pid() {
    local dir=$1 n=$2 pid
    pid=$(cat "${dir}/node-${n}/pid" 2>/dev/null) || return 1
    pid_runs "$pid" "${dir}/node-${n}/server.properties" || return 1
    printf '%s\n' "$pid"
}

# One-letter state of PID (R, S, T when stopped, Z zombie); fails when there is no such process.
process_state() {
    local stat
    { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
    stat=${stat##*) }
    printf '%s\n' "${stat%% *}"
}

# The first errors of the latest run (a failed start ends in many lines of orderly shutdown
# that hide the cause), then the tail of each log of node N.
show_log_tail() {
    local dir=$1 n=$2 log errors
    for log in "${dir}/node-${n}/format.log" "${dir}/node-${n}/server.log"; do
        [[ -s $log ]] || continue
        # Each ERROR line with the exception line that follows it, from the latest run only.
        errors=$(awk '/^===== .* scripts\/kafka: starting node/ { n = 0; next_too = 0; delete e }
                      next_too && !/^[[:space:]]+at / { e[n++] = $0 } { next_too = 0 }
                      /\] (ERROR|FATAL) / && n < 8 { e[n++] = $0; next_too = 1 }
                      END { for (i = 0; i < n; i++) print e[i] }' "$log")
        if [[ -n $errors ]]; then
            printf -- '----- first errors in %s -----\n%s\n' "$log" "$errors" >&2
        fi
        printf -- '----- tail of %s -----\n' "$log" >&2
        tail -n "${COSMIC_KAFKA_LOG_TAIL:-40}" "$log" >&2
    done
}
