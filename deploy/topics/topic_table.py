#!/usr/bin/python3
"""The topic table (DESIGN.md §4) as the deploy files see it, and checks against it.

The source of truth is libs/schema/src/topics.cpp. This reads it either from a program that
prints it (tests/e2e's e2e_topic_table: "<name> <partitions> <retention.ms> <compression>" per
line, .dlq twins included) or, without a build, by parsing topics.cpp/topics.hpp minimally; a
parse that finds nothing fails loudly instead of checking against an empty table.

    topic_table.py show                          # the table, one topic a line
    topic_table.py strimzi > k8s/overlays/production/kafka-topics.yaml
    topic_table.py check-strimzi FILE            # KafkaTopics == table (+ .dlq), RF 3, min.isr 2
    topic_table.py check-compose FILE            # topic-init applies the table with RF 3 / min.isr 2
    topic_table.py check-keda FILE               # ScaledObjects name table topics, max <= partitions
    topic_table.py users > k8s/overlays/production/kafka-users.yaml
    topic_table.py check-users FILE              # KafkaUsers == the access table, nothing more
    topic_table.py check-access FILE             # Deployments, KEDA triggers use each service's own user
    topic_table.py check-code --build-dir DIR    # consumer groups (--help defaults) and topics in code
    topic_table.py check-groups FILE...          # health-monitor watches exactly the services' groups

The access table (ACCESS below, DESIGN.md §1) says which topics each service reads and writes
and which consumer group it joins; the KafkaUsers, KEDA triggers and Deployments are checked
against it, and it is checked against the services: each binary's --help default of
consumer.group_id, and every topic its sources name.

Options: --table-binary PATH (run it for the table), --source-dir DIR (repository root),
--build-dir DIR (a CMake build directory with the service binaries, for check-code).
Exit status 0 when everything matches, 1 with one line per difference otherwise.
"""
import argparse
import pathlib
import re
import subprocess
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
STRIMZI_API = "kafka.strimzi.io/v1"
STRIMZI_CLUSTER = "cosmic"
CLEANUP_POLICY = "delete"
DLQ_SUFFIX = ".dlq"


class Topic:
    def __init__(self, name, partitions, retention_ms, compression):
        self.name = name
        self.partitions = partitions
        self.retention_ms = retention_ms
        self.compression = compression


class Table:
    def __init__(self, topics, replication, min_insync):
        self.topics = topics  # table topics and their .dlq twins, in table order
        self.replication = replication
        self.min_insync = min_insync

    def by_name(self):
        return {t.name: t for t in self.topics}


def _constant(text, pattern, what, path):
    match = re.search(pattern, text)
    if not match:
        raise SystemExit(f"topic_table: cannot find {what} in {path}; update {__file__} or pass --table-binary")
    return match


def parse_sources(source_dir):
    """Reads the table out of topics.cpp and its constants out of topics.hpp."""
    cpp = source_dir / "libs/schema/src/topics.cpp"
    hpp = source_dir / "libs/schema/include/cosmic/schema/topics.hpp"
    cpp_text = cpp.read_text(encoding="utf-8")
    hpp_text = hpp.read_text(encoding="utf-8")
    row = re.compile(r'\{\s*TopicId::k\w+,\s*"([a-z0-9.-]+)",\s*(\d+),\s*Days\((\d+)\),\s*KeyField::k\w+,\s*'
                     r'"\w+",\s*"(\w+)"')
    day_ms = 24 * 3600 * 1000
    base = [Topic(m.group(1), int(m.group(2)), int(m.group(3)) * day_ms, m.group(4)) for m in row.finditer(cpp_text)]
    if len(base) < 1:
        raise SystemExit(f"topic_table: no topic rows found in {cpp}; update {__file__} or pass --table-binary")
    dlq = _constant(hpp_text, r"kDlqRetention\s*=\s*std::chrono::hours\((\d+)\s*\*\s*(\d+)\)", "kDlqRetention", hpp)
    dlq_ms = int(dlq.group(1)) * int(dlq.group(2)) * 3600 * 1000
    replication = int(_constant(hpp_text, r"kProductionReplicationFactor\s*=\s*(\d+)", "replication", hpp).group(1))
    min_insync = int(_constant(hpp_text, r"kProductionMinInsyncReplicas\s*=\s*(\d+)", "min.insync", hpp).group(1))
    topics = []
    for topic in base:
        topics.append(topic)
        topics.append(Topic(topic.name + DLQ_SUFFIX, topic.partitions, dlq_ms, topic.compression))
    return Table(topics, replication, min_insync), hpp_text


def run_binary(binary, source_dir):
    """The table as the program prints it; the production constants still come from topics.hpp."""
    out = subprocess.run([binary], check=True, capture_output=True, text=True).stdout
    topics = []
    for line in out.splitlines():
        if not line.strip():
            continue
        name, partitions, retention_ms, compression = line.split()
        topics.append(Topic(name, int(partitions), int(retention_ms), compression))
    if not topics:
        raise SystemExit(f"topic_table: {binary} printed no topics")
    parsed, _ = parse_sources(source_dir)
    return Table(topics, parsed.replication, parsed.min_insync)


def load_table(args):
    source_dir = pathlib.Path(args.source_dir)
    if args.table_binary:
        table = run_binary(args.table_binary, source_dir)
        # Both readings must agree, or the parser has drifted from topics.cpp.
        parsed, _ = parse_sources(source_dir)
        if [vars(t) for t in parsed.topics] != [vars(t) for t in table.topics]:
            raise SystemExit("topic_table: topics.cpp parse differs from " + args.table_binary)
        return table
    return parse_sources(source_dir)[0]


def load_documents(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def render_strimzi(table):
    out = [
        "# Strimzi KafkaTopics for the topic table (libs/schema/src/topics.cpp) and the .dlq twins.",
        "# Generated by deploy/topics/topic_table.py strimzi; tests/deploy/validate.sh checks it",
        "# against the table. The Topic Operator of the Kafka cluster named by strimzi.io/cluster",
        "# must watch this namespace. Partitions can only grow.",
    ]
    for t in table.topics:
        out += [
            "---",
            f"apiVersion: {STRIMZI_API}",
            "kind: KafkaTopic",
            "metadata:",
            f"  name: {t.name.replace('.', '-')}",
            "  labels:",
            f"    strimzi.io/cluster: {STRIMZI_CLUSTER}",
            "spec:",
            f"  topicName: {t.name}",
            f"  partitions: {t.partitions}",
            f"  replicas: {table.replication}",
            "  config:",
            f"    retention.ms: {t.retention_ms}",
            f"    compression.type: {t.compression}",
            f"    min.insync.replicas: {table.min_insync}",
            f"    cleanup.policy: {CLEANUP_POLICY}",
        ]
    return "\n".join(out) + "\n"


def check_strimzi(table, path):
    errors = []
    seen = {}
    for doc in load_documents(path):
        if doc.get("kind") != "KafkaTopic":
            continue
        if doc.get("apiVersion") != STRIMZI_API:
            errors.append(f"{doc['metadata']['name']}: apiVersion {doc.get('apiVersion')} (want {STRIMZI_API})")
        if not doc["metadata"].get("labels", {}).get("strimzi.io/cluster"):
            errors.append(f"{doc['metadata']['name']}: no strimzi.io/cluster label")
        spec = doc.get("spec", {})
        seen[spec.get("topicName", doc["metadata"]["name"])] = spec
    want = table.by_name()
    for name in sorted(set(seen) - set(want)):
        errors.append(f"{name}: KafkaTopic for a topic that is not in the table")
    for name, topic in want.items():
        spec = seen.get(name)
        if spec is None:
            errors.append(f"{name}: no KafkaTopic")
            continue
        config = {k: str(v) for k, v in (spec.get("config") or {}).items()}
        expect = {
            "partitions": (spec.get("partitions"), topic.partitions),
            "replicas": (spec.get("replicas"), table.replication),
            "retention.ms": (config.get("retention.ms"), str(topic.retention_ms)),
            "compression.type": (config.get("compression.type"), topic.compression),
            "min.insync.replicas": (config.get("min.insync.replicas"), str(table.min_insync)),
            "cleanup.policy": (config.get("cleanup.policy"), CLEANUP_POLICY),
        }
        for key, (have, should) in expect.items():
            if have != should:
                errors.append(f"{name}: {key} is {have!r}, the table says {should!r}")
    return errors


def check_compose(table, path):
    with open(path, encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    services = compose.get("services", {})
    init = services.get("topic-init")
    if init is None:
        return ["no topic-init service"]
    command = init.get("command")
    if not isinstance(command, list):
        return [f"topic-init: command must be a list, got {command!r}"]
    errors = []
    verb = command[command.index("topics"):command.index("topics") + 2] if "topics" in command else []
    if command[:1] != ["cosmicctl"] or verb != ["topics", "apply"]:
        errors.append(f"topic-init: command {command} is not `cosmicctl ... topics apply ...`")

    def flag(name):
        return command[command.index(name) + 1] if name in command else None

    if flag("--replication") != str(table.replication):
        errors.append(f"topic-init: --replication {flag('--replication')}, the table says {table.replication}")
    if flag("--min-insync") != str(table.min_insync):
        errors.append(f"topic-init: --min-insync {flag('--min-insync')}, the table says {table.min_insync}")
    if "--no-dlq" in command or "--dry-run" in command:
        errors.append("topic-init: must create the .dlq twins and apply (no --no-dlq / --dry-run)")
    brokers = [n for n, s in services.items() if str(s.get("image", "")).startswith("apache/kafka:")]
    if len(brokers) < table.replication:
        errors.append(f"{len(brokers)} Kafka brokers cannot hold replication {table.replication}")
    return errors


def check_keda(table, path):
    errors = []
    want = table.by_name()
    for doc in load_documents(path):
        if doc.get("kind") != "ScaledObject":
            continue
        name = doc["metadata"]["name"]
        spec = doc.get("spec", {})
        for trigger in spec.get("triggers", []):
            if trigger.get("type") != "kafka":
                continue
            meta = trigger.get("metadata", {})
            topic = want.get(meta.get("topic"))
            if topic is None:
                errors.append(f"{name}: trigger topic {meta.get('topic')!r} is not in the table")
                continue
            if not meta.get("consumerGroup") or not meta.get("lagThreshold"):
                errors.append(f"{name}: kafka trigger needs consumerGroup and lagThreshold")
            if int(spec.get("maxReplicaCount", 100)) > topic.partitions:
                errors.append(f"{name}: maxReplicaCount {spec.get('maxReplicaCount')} exceeds the "
                              f"{topic.partitions} partitions of {topic.name}")
    return errors


# --- who may do what: DESIGN.md §1 ---------------------------------------------------------------
class Access:
    def __init__(self, group, consumes, produces, describes_all=False):
        self.group = group  # the default of the service's consumer.group_id
        self.consumes = consumes  # read; the runner dead-letters into <topic>.dlq
        self.produces = produces  # write (system-health: every service's heartbeat)
        self.describes_all = describes_all  # health-monitor: every group's offsets, every topic's config


ACCESS = {
    "job-orchestrator": Access("job-orchestrator-group", ["job-commands"],
                               ["job-lifecycle", "job-metrics", "audit-trail", "system-health"]),
    "metrics-consumer": Access("metrics-consumer-group", ["job-metrics"], ["system-health"]),
    "notification-consumer": Access("notifications-consumer-group", ["job-lifecycle"],
                                    ["notifications", "system-health"]),
    "audit-consumer": Access("audit-trail-consumer-group", ["audit-trail"], ["system-health"]),
    "health-monitor": Access("system-health-consumer-group", ["system-health"],
                             ["audit-trail", "notifications", "system-health"], describes_all=True),
}
# The operators' user for cosmicctl (groups, lag, offsets reset, dlq list/replay, tail): read and
# write every table topic, read and describe the services' groups (an offsets reset commits for
# them), its own throw-away groups (prefix cosmicctl-), and list groups (Describe on the cluster).
# It cannot create, delete or reconfigure topics: Strimzi's Topic Operator owns them.
OPERATOR = "cosmicctl"
OPERATOR_GROUP_PREFIX = "cosmicctl-"
USERS = [*ACCESS, OPERATOR]
# Secret (created outside the overlay) holding a service's Kafka `username` and `password`; the
# KafkaUser takes its password from it, the Deployment and KEDA's TriggerAuthentication both.
USER_SECRET = "cosmic-kafka-{}"
CLUSTER_CA_SECRET = f"{STRIMZI_CLUSTER}-cluster-ca-cert"
READ = ["Describe", "Read"]
WRITE = ["Describe", "Write"]
OPERATIONS_ORDER = ["Describe", "DescribeConfigs", "Read", "Write"]


def expected_acls(table, service):
    """{(type, name, patternType): sorted operations} of one KafkaUser (a service or the operator)."""
    acls = {}

    def grant(kind, name, operations, pattern="literal"):
        if kind == "topic" and name not in table.by_name():
            raise SystemExit(f"topic_table: ACCESS names {name}, which is not in the topic table")
        acls.setdefault((kind, name, pattern), set()).update(operations)

    if service == OPERATOR:
        for topic in table.topics:
            grant("topic", topic.name, ["Describe", "DescribeConfigs", "Read", "Write"])
        for other in ACCESS.values():
            grant("group", other.group, READ)
        grant("group", OPERATOR_GROUP_PREFIX, READ, "prefix")
        grant("cluster", "", ["Describe"])
        return {key: sorted(ops, key=OPERATIONS_ORDER.index) for key, ops in acls.items()}
    access = ACCESS[service]

    for topic in access.consumes:
        grant("topic", topic, READ)
        grant("topic", topic + DLQ_SUFFIX, WRITE)
    for topic in access.produces:
        grant("topic", topic, WRITE)
    grant("group", access.group, READ)
    if access.describes_all:
        for topic in table.topics:
            grant("topic", topic.name, ["Describe", "DescribeConfigs"])
        for other in ACCESS.values():
            grant("group", other.group, ["Describe"])
    return {key: sorted(ops, key=OPERATIONS_ORDER.index) for key, ops in acls.items()}


def render_users(table):
    out = [
        "# Strimzi KafkaUsers: one SCRAM-SHA-512 user per service, allowed exactly its own topics",
        "# (read what it consumes, write what it produces and its .dlq twin) and its own consumer",
        "# group; health-monitor may also describe every topic and group (lag, cluster checks).",
        "# The user cosmicctl is the operators' (see OPERATOR in topic_table.py).",
        "# Generated by deploy/topics/topic_table.py users from its ACCESS table; tests/deploy/",
        "# validate.sh checks it, the Deployments and the KEDA triggers against that table.",
        "# Each password comes from the Secret cosmic-kafka-<service> (keys username, password),",
        "# created outside this overlay (deploy/README.md).",
    ]
    for service in USERS:
        out += [
            "---",
            f"apiVersion: {STRIMZI_API}",
            "kind: KafkaUser",
            "metadata:",
            f"  name: {service}",
            "  labels:",
            f"    strimzi.io/cluster: {STRIMZI_CLUSTER}",
            "spec:",
            "  authentication:",
            "    type: scram-sha-512",
            "    password:",
            "      valueFrom:",
            "        secretKeyRef:",
            f"          name: {USER_SECRET.format(service)}",
            "          key: password",
            "  authorization:",
            "    type: simple",
            "    acls:",
        ]
        for (kind, name, pattern), operations in expected_acls(table, service).items():
            out += ["      - resource:", f"          type: {kind}"]
            if kind != "cluster":
                out += [f"          name: {name}", f"          patternType: {pattern}"]
            out += [f"        operations: [{', '.join(operations)}]", '        host: "*"']
    return "\n".join(out) + "\n"


def check_users(table, path):
    errors = []
    users = {d["metadata"]["name"]: d for d in load_documents(path) if d.get("kind") == "KafkaUser"}
    for name in sorted(set(users) - set(USERS)):
        errors.append(f"KafkaUser/{name}: not a service of the access table")
    for service in USERS:
        user = users.get(service)
        if user is None:
            errors.append(f"no KafkaUser for {service}")
            continue
        where = f"KafkaUser/{service}"
        if user.get("apiVersion") != STRIMZI_API:
            errors.append(f"{where}: apiVersion {user.get('apiVersion')} (want {STRIMZI_API})")
        if user["metadata"].get("labels", {}).get("strimzi.io/cluster") != STRIMZI_CLUSTER:
            errors.append(f"{where}: strimzi.io/cluster must be {STRIMZI_CLUSTER}")
        spec = user.get("spec", {})
        auth = spec.get("authentication", {})
        if auth.get("type") != "scram-sha-512":
            errors.append(f"{where}: authentication {auth.get('type')!r}, want scram-sha-512")
        ref = auth.get("password", {}).get("valueFrom", {}).get("secretKeyRef", {})
        if ref.get("name") != USER_SECRET.format(service) or ref.get("key") != "password":
            errors.append(f"{where}: password must come from Secret {USER_SECRET.format(service)} key password")
        authz = spec.get("authorization", {})
        if authz.get("type") != "simple":
            errors.append(f"{where}: authorization must be simple (ACLs)")
        have = {}
        for acl in authz.get("acls", []):
            resource = acl.get("resource", {})
            if "operation" in acl:
                errors.append(f"{where}: ACL uses the deprecated `operation`; use `operations`")
            key = (resource.get("type"), resource.get("name", ""), resource.get("patternType", "literal"))
            have.setdefault(key, set()).update(acl.get("operations", []))
        want = expected_acls(table, service)
        for key in sorted(set(have) | set(want), key=str):
            if set(want.get(key, [])) != have.get(key, set()):
                errors.append(f"{where}: {key[0]} {key[1]} ({key[2]}): operations {sorted(have.get(key, []))}, "
                              f"the access table says {want.get(key, [])}")
    return errors


def env_of(container, configmaps):
    """A container's environment: configMap envFrom values, then env (literal or a secretKeyRef)."""
    env = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef", {}).get("name")
        env.update(configmaps.get(ref, {}))
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
        else:
            secret = var.get("valueFrom", {}).get("secretKeyRef")
            env[var["name"]] = ("secret", secret["name"], secret["key"]) if secret else ("ref",)
    return env


def check_access(table, path):
    """The production services and KEDA triggers authenticate as the service's own user over TLS."""
    errors = []
    docs = load_documents(path)
    configmaps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    for service in ACCESS:
        deployment = deployments.get(service)
        if deployment is None:
            errors.append(f"no Deployment {service}")
            continue
        spec = deployment["spec"]["template"]["spec"]
        container = spec["containers"][0]
        env = env_of(container, configmaps)
        where = f"Deployment/{service}"
        expect = {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
                  "KAFKA_SASL_USERNAME": service,
                  "KAFKA_SASL_PASSWORD": ("secret", USER_SECRET.format(service), "password")}
        for key, value in expect.items():
            if env.get(key) != value:
                errors.append(f"{where}: {key} is {env.get(key)!r}, want {value!r}")
        if env.get("COSMIC_CONSUMER_GROUP_ID", ACCESS[service].group) != ACCESS[service].group:
            errors.append(f"{where}: COSMIC_CONSUMER_GROUP_ID overrides the group its KafkaUser may use")
        ca = env.get("KAFKA_SSL_CA_LOCATION", "")
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        mount = next((m for m in mounts if ca.startswith(m.rstrip("/") + "/")), None)
        secret = volumes.get(mounts.get(mount), {}).get("secret", {}).get("secretName") if mount else None
        if secret != CLUSTER_CA_SECRET:
            errors.append(f"{where}: KAFKA_SSL_CA_LOCATION {ca!r} is not a file of Secret {CLUSTER_CA_SECRET}")
        bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS", "")
        if not bootstrap.endswith(":9093"):
            errors.append(f"{where}: KAFKA_BOOTSTRAP_SERVERS {bootstrap!r} is not the TLS listener (9093)")
    auths = {d["metadata"]["name"]: d for d in docs if d["kind"] == "TriggerAuthentication"}
    for doc in docs:
        if doc["kind"] != "ScaledObject":
            continue
        service = doc["spec"]["scaleTargetRef"]["name"]
        where = f"ScaledObject/{doc['metadata']['name']}"
        access = ACCESS.get(service)
        if access is None:
            errors.append(f"{where}: scales {service}, which is not a service of the access table")
            continue
        for trigger in doc["spec"].get("triggers", []):
            meta = trigger.get("metadata", {})
            if meta.get("consumerGroup") != access.group or meta.get("topic") not in access.consumes:
                errors.append(f"{where}: trigger watches {meta.get('consumerGroup')}/{meta.get('topic')}, "
                              f"{service} consumes {access.consumes} in {access.group}")
            if meta.get("sasl") != "scram_sha512" or meta.get("tls") != "enable":
                errors.append(f"{where}: trigger needs sasl: scram_sha512 and tls: enable")
            if not meta.get("bootstrapServers", "").endswith(":9093"):
                errors.append(f"{where}: bootstrapServers is not the TLS listener (9093)")
            ref = trigger.get("authenticationRef", {}).get("name")
            auth = auths.get(ref)
            if auth is None:
                errors.append(f"{where}: no TriggerAuthentication {ref!r}")
                continue
            refs = {r["parameter"]: (r["name"], r["key"]) for r in auth["spec"].get("secretTargetRef", [])}
            want = {"username": (USER_SECRET.format(service), "username"),
                    "password": (USER_SECRET.format(service), "password"),
                    "ca": (CLUSTER_CA_SECRET, "ca.crt")}
            if refs != want:
                errors.append(f"TriggerAuthentication/{ref}: secretTargetRef {refs}, want {want}")
    return errors


def check_monitored_groups(paths):
    """health-monitor watches exactly the services' groups (COSMIC_MONITORED_GROUPS) in compose and
    every kustomize render."""
    errors = []
    want = sorted(a.group for a in ACCESS.values())
    for path in paths:
        docs = load_documents(path)
        found = []
        for doc in docs:
            if "services" in doc:  # docker-compose config
                env = doc["services"].get("health-monitor", {}).get("environment", {})
                found.append(env.get("COSMIC_MONITORED_GROUPS"))
            elif doc.get("kind") == "Deployment" and doc["metadata"]["name"] == "health-monitor":
                for container in doc["spec"]["template"]["spec"]["containers"]:
                    env = {e["name"]: e.get("value") for e in container.get("env", [])}
                    found.append(env.get("COSMIC_MONITORED_GROUPS"))
        if not found:
            errors.append(f"{path}: no health-monitor")
        for value in found:
            have = sorted(g.strip() for g in str(value or "").split(",") if g.strip())
            if have != want:
                errors.append(f"{path}: health-monitor COSMIC_MONITORED_GROUPS {have}, the services' groups are {want}")
    return errors


TOPIC_IDS = re.compile(r"TopicId::k(\w+)")
TOPIC_LITERAL = re.compile(r'"([a-z]+(?:-[a-z]+)+)"')


def check_code(table, build_dir, source_dir):
    """The access table against the services: group defaults from --help, topics named in src/."""
    errors = []
    names = {t.name for t in table.topics}
    camel = {"".join(p.capitalize() for p in t.name.split("-")): t.name for t in table.topics if "." not in t.name}
    for service, access in ACCESS.items():
        binary = pathlib.Path(build_dir) / "services" / service / service
        if not binary.is_file():
            errors.append(f"{service}: no binary at {binary} (build it first)")
            continue
        help_text = subprocess.run([str(binary), "--help"], capture_output=True, text=True).stdout
        match = re.search(r"consumer\.group_id\s+\S+\s+string\s+default:\s*(\S+)", help_text)
        if not match:
            errors.append(f"{service}: --help lists no consumer.group_id default")
        elif match.group(1) != access.group:
            errors.append(f"{service}: consumer.group_id defaults to {match.group(1)}, the access table says "
                          f"{access.group}")
        allowed = set(access.consumes) | set(access.produces)
        if access.describes_all:
            allowed |= names
        used = set()
        for source in sorted((source_dir / "services" / service / "src").rglob("*.[ch]pp")):
            text = source.read_text(encoding="utf-8")
            used |= {camel[m] for m in TOPIC_IDS.findall(text) if m in camel}
            used |= {m for m in TOPIC_LITERAL.findall(text) if m in names}
        for topic in sorted(used - allowed):
            errors.append(f"{service}: its sources name topic {topic}, which its KafkaUser may not use")
        for topic in sorted(set(access.consumes) - used):
            errors.append(f"{service}: the access table says it consumes {topic}; its sources never name it")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table-binary")
    parser.add_argument("--source-dir", default=str(REPO))
    parser.add_argument("--build-dir")
    parser.add_argument("command", choices=["show", "strimzi", "users", "check-strimzi", "check-compose",
                                            "check-keda", "check-users", "check-access", "check-code",
                                            "check-groups"])
    parser.add_argument("file", nargs="*")
    args = parser.parse_args()
    table = load_table(args)
    if args.command == "show":
        for t in table.topics:
            print(t.name, t.partitions, t.retention_ms, t.compression)
        return 0
    if args.command == "strimzi":
        sys.stdout.write(render_strimzi(table))
        return 0
    if args.command == "users":
        sys.stdout.write(render_users(table))
        return 0
    if args.command == "check-code":
        if not args.build_dir:
            parser.error("check-code needs --build-dir")
        errors = check_code(table, args.build_dir, pathlib.Path(args.source_dir))
        for error in errors:
            print(error, file=sys.stderr)
        return 1 if errors else 0
    if args.command == "check-groups":
        errors = check_monitored_groups(args.file)
        for error in errors:
            print(error, file=sys.stderr)
        return 1 if errors else 0
    if len(args.file) != 1:
        parser.error(f"{args.command} needs a FILE")
    check = {"check-strimzi": check_strimzi, "check-compose": check_compose, "check-keda": check_keda,
             "check-users": check_users, "check-access": check_access}[args.command]
    errors = check(table, args.file[0])
    for error in errors:
        print(f"{args.file[0]}: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
