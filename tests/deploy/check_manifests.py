#!/usr/bin/python3
"""Structural checks of the rendered deploy files (called by tests/deploy/validate.sh).

    check_manifests.py k8s RENDERED.yaml [--production]   # kubectl kustomize output
    check_manifests.py compose CONFIG.yaml PROMETHEUS.yml  # docker-compose config output
    check_manifests.py grafana DASHBOARD.json DATASOURCES.yml OUT_RULES.yml
    check_manifests.py rules RULES.yml RUNBOOK.md TEST.yml...   # alert rules vs runbook and tests
    check_manifests.py inventory REPO COMPOSE.yaml PROMETHEUS.yml RENDERED.yaml...
                                               # every service named anywhere exists in services/
    check_manifests.py images DOCKERFILE COMPOSE.yaml RENDERED.yaml...  # pinned images, validators

Prints one line per problem on stderr; exit status 1 when there is any.
"""
import json
import pathlib
import re
import subprocess
import sys
import urllib.parse

import yaml

SERVICES = {
    "job-orchestrator": 8081,
    "metrics-consumer": 8082,
    "notification-consumer": 8083,
    "audit-consumer": 8084,
    "health-monitor": 8085,
}
IMAGE = "cosmic-horizons/events"
TOOLS = {"cosmicctl", "dev-broker"}  # the image's other programs, from tools/
STATEFUL = {"job-orchestrator", "notification-consumer", "audit-consumer"}
SHUTDOWN_DEADLINE_S = 10
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod"}


def pod_spec(doc):
    kind = doc["kind"]
    if kind == "Pod":
        return doc["spec"]
    if kind == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"]["template"]["spec"]


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def selector_of(doc):
    """A Service's selector is a plain map; a PodDisruptionBudget's is a LabelSelector."""
    selector = doc["spec"].get("selector") or {}
    return selector if doc["kind"] == "Service" else selector.get("matchLabels")


def check_http_probe(errors, where, container, probe, path):
    spec = container.get(probe)
    get = (spec or {}).get("httpGet")
    if not get or get.get("path") != path:
        errors.append(f"{where}: {probe} must be an httpGet on {path}")


def check_cosmic_deployment(errors, doc, docs, production):
    name = doc["metadata"]["name"]
    where = f"Deployment/{name}"
    spec = pod_spec(doc)
    template = doc["spec"]["template"]
    container = spec["containers"][0]
    args = container.get("args") or container.get("command") or []
    if not args or args[0] not in SERVICES:
        errors.append(f"{where}: first argument {args[:1]} is not one of the five services")
        return
    port = SERVICES[args[0]]
    if name != args[0]:
        errors.append(f"{where}: runs {args[0]}")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    if grace <= SHUTDOWN_DEADLINE_S + 2:
        errors.append(f"{where}: terminationGracePeriodSeconds {grace} must exceed the {SHUTDOWN_DEADLINE_S} s "
                      "shutdown deadline plus the runtime's 2 s margin")
    check_http_probe(errors, where, container, "livenessProbe", "/healthz")
    check_http_probe(errors, where, container, "readinessProbe", "/readyz")
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    if ports.get("http") != port:
        errors.append(f"{where}: container port `http` is {ports.get('http')}, the service listens on {port}")
    annotations = template["metadata"].get("annotations", {})
    if annotations.get("prometheus.io/scrape") != "true" or annotations.get("prometheus.io/port") != str(port):
        errors.append(f"{where}: prometheus.io/scrape and prometheus.io/port={port} annotations missing")
    pod_security = spec.get("securityContext", {})
    security = container.get("securityContext", {})
    if pod_security.get("runAsNonRoot") is not True:
        errors.append(f"{where}: securityContext.runAsNonRoot must be true")
    if security.get("readOnlyRootFilesystem") is not True or security.get("allowPrivilegeEscalation") is not False:
        errors.append(f"{where}: needs readOnlyRootFilesystem true and allowPrivilegeEscalation false")
    resources = container.get("resources", {})
    if not resources.get("requests") or not resources.get("limits", {}).get("memory"):
        errors.append(f"{where}: needs resource requests and a memory limit")
    mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
    for path in ("/var/lib/cosmic", "/tmp"):
        if path not in mounts:
            errors.append(f"{where}: nothing mounted at {path} (the root filesystem is read-only)")
    labels = template["metadata"].get("labels", {})
    covering = {d["kind"] for d in docs
                if d["kind"] in ("Service", "PodDisruptionBudget") and selects(selector_of(d), labels)}
    for kind in ("Service", "PodDisruptionBudget"):
        if kind not in covering:
            errors.append(f"{where}: no {kind} selects its pods")
    if production:
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                errors.append(f"{where}: production keeps state in PostgreSQL, not on volume {volume['name']}")
        replicas = doc["spec"].get("replicas", 1)
        if name == "health-monitor" and replicas != 2:
            errors.append(f"{where}: health-monitor runs two replicas (one leads, one stands by)")
        elif name != "health-monitor" and replicas < 2:
            errors.append(f"{where}: production runs at least 2 replicas")


def check_k8s(path, production):
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    errors = []
    deployments = {}
    for doc in docs:
        if doc["kind"] not in WORKLOADS:
            continue
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        spec = pod_spec(doc)
        if spec.get("enableServiceLinks") is not False:
            errors.append(f"{where}: enableServiceLinks must be false (KAFKA_* service links become properties)")
        images = [c.get("image", "") for c in spec.get("containers", [])]
        if doc["kind"] == "Deployment" and any(IMAGE in image for image in images):
            deployments[doc["metadata"]["name"]] = doc
            check_cosmic_deployment(errors, doc, docs, production)
    for name in SERVICES:
        if name not in deployments:
            errors.append(f"no Deployment for {name}")
    errors += check_broker_metrics(docs)
    if production:
        for doc in docs:
            if doc["kind"] == "ScaledObject":
                target = doc["spec"]["scaleTargetRef"]["name"]
                if target not in deployments:
                    errors.append(f"ScaledObject/{doc['metadata']['name']}: no Deployment {target}")
                if target == "health-monitor":
                    errors.append("health-monitor must not be autoscaled")
        monitors = [d for d in docs if d["kind"] == "ServiceMonitor"]
        services = [d for d in docs if d["kind"] == "Service" and d["metadata"]["name"] in SERVICES]
        for service in services:
            if not any(selects(m["spec"]["selector"].get("matchLabels"), service["metadata"].get("labels", {}))
                       and any(e.get("port") == "http" for e in m["spec"]["endpoints"]) for m in monitors):
                errors.append(f"Service/{service['metadata']['name']}: no ServiceMonitor scrapes its `http` port")
        errors += check_network_policies(docs, deployments)
        for kind in ("ScaledObject", "ServiceMonitor", "PrometheusRule", "KafkaTopic", "KafkaUser",
                     "TriggerAuthentication", "NetworkPolicy", "PodMonitor"):
            if not any(d["kind"] == kind for d in docs):
                errors.append(f"production has no {kind}")
    return errors


def check_broker_metrics(docs):
    """Kafka brokers export metrics: the apache/kafka Deployment loads the JMX exporter agent and
    is annotated for scraping; a Strimzi Kafka has metricsConfig and a PodMonitor scrapes it."""
    errors = []
    for doc in docs:
        if doc["kind"] == "Deployment":
            spec = pod_spec(doc)
            for container in spec.get("containers", []):
                if not container.get("image", "").startswith("apache/kafka:"):
                    continue
                env = {e["name"]: e.get("value", "") for e in container.get("env", [])}
                annotations = doc["spec"]["template"]["metadata"].get("annotations", {})
                if "-javaagent:" not in env.get("KAFKA_OPTS", "") or annotations.get("prometheus.io/port") != "9404":
                    errors.append(f"Deployment/{doc['metadata']['name']}: the broker must load the JMX exporter "
                                  "agent on 9404 (KAFKA_OPTS) and be annotated prometheus.io/port=9404")
        if doc["kind"] == "Kafka":
            metrics = doc["spec"]["kafka"].get("metricsConfig", {})
            if metrics.get("type") != "jmxPrometheusExporter":
                errors.append(f"Kafka/{doc['metadata']['name']}: no jmxPrometheusExporter metricsConfig")
            if not any(d["kind"] == "PodMonitor" and d["spec"]["selector"].get("matchLabels", {}).get("strimzi.io/kind")
                       == "Kafka" for d in docs):
                errors.append(f"Kafka/{doc['metadata']['name']}: no PodMonitor scrapes its brokers")
    return errors


KAFKA_PEER = {"strimzi.io/cluster": "cosmic", "strimzi.io/kind": "Kafka"}
DNS_PEER = {"k8s-app": "kube-dns"}
DB_PEER = {"cosmic-horizons.io/database": "postgresql"}
INGRESS_NAMESPACE = {"kubernetes.io/metadata.name": "ingress-nginx"}
PROMETHEUS_PEER = {"app.kubernetes.io/name": "prometheus"}
ALERTMANAGER_PEER = {"app.kubernetes.io/name": "alertmanager"}
MAIL_AND_WEBHOOK_PORTS = {25, 465, 587, 443, 80}


def check_network_policies(docs, deployments):
    """Each service: ingress only on its HTTP port from the ingress namespace and Prometheus; egress
    only to Kafka (9093), DNS, PostgreSQL (the stateful ones), SMTP/webhooks (notification-consumer),
    Alertmanager (health-monitor). A default deny covers every pod of the suite."""
    errors = []
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    if not any(p["spec"].get("podSelector", {}).get("matchLabels") == {"app.kubernetes.io/part-of": "cosmic-horizons"}
               and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
               and not p["spec"].get("ingress") and not p["spec"].get("egress") for p in policies):
        errors.append("no default-deny NetworkPolicy (Ingress and Egress) for app.kubernetes.io/part-of=cosmic-horizons")
    for name, doc in deployments.items():
        labels = doc["spec"]["template"]["metadata"].get("labels", {})
        mine = [p for p in policies if selects(p["spec"].get("podSelector", {}).get("matchLabels"), labels)
                and p["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/name") == name]
        where = f"NetworkPolicy for {name}"
        if len(mine) != 1:
            errors.append(f"{where}: {len(mine)} policies select only its pods, expected 1")
            continue
        spec = mine[0]["spec"]
        if set(spec.get("policyTypes", [])) != {"Ingress", "Egress"}:
            errors.append(f"{where}: policyTypes must be Ingress and Egress")
        port = SERVICES[name]
        for rule in spec.get("ingress", []):
            ports = {(p.get("port"), p.get("protocol", "TCP")) for p in rule.get("ports", [])}
            if ports not in ({(port, "TCP")}, {("http", "TCP")}):
                errors.append(f"{where}: ingress on {sorted(ports, key=str)}, only its HTTP port {port} is allowed")
            for peer in rule.get("from", []) or [{}]:
                namespace = (peer.get("namespaceSelector") or {}).get("matchLabels")
                pods = (peer.get("podSelector") or {}).get("matchLabels")
                if "ipBlock" in peer or not (namespace == INGRESS_NAMESPACE and not pods or pods == PROMETHEUS_PEER):
                    errors.append(f"{where}: ingress from {peer}: only the ingress namespace and Prometheus")
        allowed = {"kafka", "dns"} | ({"db"} if name in STATEFUL else set()) \
            | ({"mail"} if name == "notification-consumer" else set()) \
            | ({"alertmanager"} if name == "health-monitor" else set())
        found = set()
        for rule in spec.get("egress", []):
            ports = {(p.get("port"), p.get("protocol", "TCP")) for p in rule.get("ports", [])}
            for peer in rule.get("to", []) or [{}]:
                pods = (peer.get("podSelector") or {}).get("matchLabels")
                if pods == KAFKA_PEER and ports == {(9093, "TCP")}:
                    found.add("kafka")
                elif pods == DNS_PEER and ports <= {(53, "UDP"), (53, "TCP")} and ports:
                    found.add("dns")
                elif pods == DB_PEER and ports == {(5432, "TCP")}:
                    found.add("db")
                elif pods == ALERTMANAGER_PEER and ports == {(9093, "TCP")}:
                    found.add("alertmanager")
                elif "ipBlock" in peer and ports and {p for p, _ in ports} <= MAIL_AND_WEBHOOK_PORTS:
                    found.add("mail")
                else:
                    errors.append(f"{where}: egress to {peer} on {sorted(ports, key=str)} is not allowed")
        for kind in sorted(found - allowed):
            errors.append(f"{where}: egress {kind} is not one of its dependencies")
        for kind in sorted(allowed - found):
            errors.append(f"{where}: no egress to {kind}, which it needs")
    return errors


def seconds(text):
    match = re.fullmatch(r"(\d+)(ms|s|m)", str(text))
    if not match:
        return 0
    value, unit = int(match.group(1)), match.group(2)
    return value / 1000 if unit == "ms" else value * (60 if unit == "m" else 1)


def check_compose(path, prometheus_path):
    with open(path, encoding="utf-8") as f:
        services = yaml.safe_load(f)["services"]
    with open(prometheus_path, encoding="utf-8") as f:
        prometheus = yaml.safe_load(f)
    scraped = {job["job_name"]: [t for sc in job.get("static_configs", []) for t in sc.get("targets", [])]
               for job in prometheus.get("scrape_configs", [])}
    errors = []
    for name, port in SERVICES.items():
        service = services.get(name)
        if service is None:
            errors.append(f"no compose service {name}")
            continue
        where = f"compose service {name}"
        env = service.get("environment", {})
        if service.get("command", [None])[0] != name or env.get("COSMIC_HTTP_PORT") != str(port):
            errors.append(f"{where}: must run {name} with COSMIC_HTTP_PORT={port}")
        if not env.get("KAFKA_BOOTSTRAP_SERVERS"):
            errors.append(f"{where}: no KAFKA_BOOTSTRAP_SERVERS")
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        if "/readyz" not in test:
            errors.append(f"{where}: healthcheck must probe /readyz")
        if seconds(service.get("stop_grace_period", "10s")) <= SHUTDOWN_DEADLINE_S:
            errors.append(f"{where}: stop_grace_period must exceed the {SHUTDOWN_DEADLINE_S} s shutdown deadline")
        depends = service.get("depends_on", {})
        if depends.get("topic-init", {}).get("condition") != "service_completed_successfully":
            errors.append(f"{where}: must wait for topic-init to complete")
        if scraped.get(name) != [f"{name}:{port}"]:
            errors.append(f"prometheus.yml: job {name} must scrape {name}:{port}, has {scraped.get(name)}")
        if name in STATEFUL:
            url = str(env.get("COSMIC_DATABASE_URL", ""))
            if not url.startswith("postgresql://") or "@postgres:5432/" not in url:
                errors.append(f"{where}: COSMIC_DATABASE_URL must be postgresql://...@postgres:5432/...")
            if depends.get("postgres", {}).get("condition") != "service_healthy":
                errors.append(f"{where}: must wait for postgres to be healthy")
    grafana = services.get("grafana", {}).get("environment", {})
    if str(grafana.get("GF_AUTH_ANONYMOUS_ENABLED", "false")).lower() != "false":
        errors.append("grafana: anonymous access must be off")
    if not grafana.get("GF_SECURITY_ADMIN_PASSWORD"):
        errors.append("grafana: GF_SECURITY_ADMIN_PASSWORD must come from the environment")
    if "postgres" not in services:
        errors.append("no postgres service for the stateful services")
    brokers = sorted(n for n, svc in services.items() if str(svc.get("image", "")).startswith("apache/kafka:"))
    for broker in brokers:
        opts = str(services[broker].get("environment", {}).get("KAFKA_OPTS", ""))
        if "-javaagent:" not in opts or ":9404:" not in opts.replace("=9404:", ":9404:"):
            errors.append(f"{broker}: KAFKA_OPTS must load the JMX exporter agent on port 9404")
    if sorted(scraped.get("kafka", [])) != sorted(f"{b}:9404" for b in brokers):
        errors.append(f"prometheus.yml: job kafka must scrape every broker's :9404, has {scraped.get('kafka')}")
    init = services.get("topic-init", {})
    for broker, dep in init.get("depends_on", {}).items():
        if dep.get("condition") != "service_healthy":
            errors.append(f"topic-init: must wait for {broker} to be healthy")
    if not init.get("depends_on"):
        errors.append("topic-init: must wait for the Kafka brokers")
    return errors


def check_grafana(dashboard_path, datasources_path, out_rules):
    """Dashboard JSON sanity; writes every panel query as a recording rule so promtool can parse it."""
    with open(dashboard_path, encoding="utf-8") as f:
        dashboard = json.load(f)
    with open(datasources_path, encoding="utf-8") as f:
        uids = {d.get("uid") for d in yaml.safe_load(f)["datasources"]}
    errors = []
    if not dashboard.get("uid") or not dashboard.get("title"):
        errors.append("dashboard needs a uid and a title")
    rules = []
    ids = set()
    for panel in dashboard.get("panels", []):
        if panel["id"] in ids:
            errors.append(f"panel id {panel['id']} used twice")
        ids.add(panel["id"])
        if panel["type"] == "row":
            continue
        if panel.get("datasource", {}).get("uid") not in uids:
            errors.append(f"panel {panel['title']!r}: datasource {panel.get('datasource')} is not provisioned")
        for target in panel.get("targets", []):
            # Grafana's variables replaced by values Prometheus accepts.
            expr = target["expr"].replace("$__rate_interval", "5m").replace("$job", ".*")
            rules.append({"record": f"grafana:panel_{panel['id']}_{target['refId']}", "expr": expr})
    joined = json.dumps(dashboard)
    for metric in ("cosmic_events_consumed_total", "cosmic_consumergroup_lag", "cosmic_event_processing_seconds_bucket",
                   "cosmic_dlq_messages_total", "cosmic_produce_errors_total",
                   # the Kafka brokers row (deploy/kafka/kafka-metrics.yml names them)
                   "kafka_server_replicamanager_underreplicatedpartitions", "kafka_network_requestmetrics_totaltimems",
                   "kafka_server_replicamanager_isrshrinks_total"):
        if metric not in joined:
            errors.append(f"dashboard does not show {metric}")
    with open(out_rules, "w", encoding="utf-8") as f:
        yaml.safe_dump({"groups": [{"name": "grafana-panels", "rules": rules}]}, f, sort_keys=False)
    return errors


def markdown_anchors(path):
    """The anchors GitHub and GitLab give the headings of a Markdown file (fenced code skipped)."""
    anchors = set()
    seen = {}
    fenced = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
            if fenced or not heading:
                continue
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def check_rules(rules_path, runbook_path, test_paths):
    """Every alert: an absolute runbook_url (one base for all) at an existing runbook section, and a
    promtool case where it fires and one where it stays quiet."""
    with open(rules_path, encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    anchors = markdown_anchors(runbook_path)
    fires, quiet = set(), set()
    for path in test_paths:
        with open(path, encoding="utf-8") as f:
            for test in yaml.safe_load(f).get("tests", []):
                for case in test.get("alert_rule_test", []):
                    (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    errors = []
    bases = set()
    alerts = []
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            name = rule["alert"]
            alerts.append(name)
            url = rule.get("annotations", {}).get("runbook_url", "")
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                errors.append(f"{name}: runbook_url {url!r} is not an absolute http(s) URL")
            if parts.fragment not in anchors:
                errors.append(f"{name}: runbook_url {url!r}: {runbook_path} has no section #{parts.fragment}")
            bases.add(url.partition("#")[0])
            if name not in fires:
                errors.append(f"{name}: no promtool test case where it fires")
            if name not in quiet:
                errors.append(f"{name}: no promtool test case where it stays quiet")
    if len(bases) > 1:
        errors.append(f"runbook_url uses {len(bases)} bases, expected one: {sorted(bases)}")
    if len(set(alerts)) != len(alerts):
        errors.append("an alert name is used twice")
    for name in sorted((fires | quiet) - set(alerts)):
        errors.append(f"the tests name {name}, which is no alert of {rules_path}")
    return errors


def image_programs(dockerfile):
    match = re.search(r'ARG COSMIC_PROGRAMS="([^"]*)"', dockerfile)
    return match.group(1).split() if match else []


def check_inventory(repo, compose_path, prometheus_path, renders):
    """Every service the Dockerfile, compose, the k8s renders, the Prometheus config and the alert
    rules name exists in services/, and every service in services/ is in each of them."""
    repo = pathlib.Path(repo)
    tree = {d.name for d in (repo / "services").iterdir() if (d / "CMakeLists.txt").is_file()}
    tools = {d.name for d in (repo / "tools").iterdir() if (d / "CMakeLists.txt").is_file()}
    errors = []
    if set(SERVICES) != tree:
        errors.append(f"check_manifests.py SERVICES {sorted(SERVICES)} differs from services/ {sorted(tree)}")
    dockerfile = (repo / "deploy/Dockerfile").read_text(encoding="utf-8")
    programs = image_programs(dockerfile)
    if set(programs) != tree | TOOLS:
        errors.append(f"Dockerfile COSMIC_PROGRAMS {programs}: must be exactly services/ {sorted(tree)} "
                      f"plus {sorted(TOOLS)}")
    for program in set(programs) & TOOLS - tools:
        errors.append(f"Dockerfile COSMIC_PROGRAMS names {program}, which is not in tools/")
    if not re.search(r"^HEALTHCHECK\s", dockerfile, re.M):
        errors.append("Dockerfile: no HEALTHCHECK")
    with open(compose_path, encoding="utf-8") as f:
        compose = yaml.safe_load(f)["services"]
    ours = {}
    for name, svc in compose.items():
        if IMAGE not in str(svc.get("image", "")):
            continue
        program = (svc.get("command") or ["cosmicctl"])[0]
        ours[name] = program
        if program not in tree | TOOLS:
            errors.append(f"compose service {name} runs {program}, which is not in services/ or tools/")
    for name in sorted(tree - set(ours.values())):
        errors.append(f"compose runs no {name}")
    with open(prometheus_path, encoding="utf-8") as f:
        prometheus = yaml.safe_load(f)
    jobs = set()
    for job in prometheus.get("scrape_configs", []):
        for sc in job.get("static_configs", []):
            for target in sc.get("targets", []):
                host = target.rsplit(":", 1)[0]
                if host != "localhost" and host not in compose:
                    errors.append(f"prometheus.yml job {job['job_name']}: target {target} is no compose service")
                if host in ours:
                    jobs.add(job["job_name"])
                    if ours[host] not in tree or job["job_name"] != ours[host]:
                        errors.append(f"prometheus.yml job {job['job_name']} scrapes {host}, which runs {ours[host]}")
    for name in sorted(tree - jobs):
        errors.append(f"prometheus.yml scrapes no {name}")
    # The rules name services by job: each name must be a service (a renamed service would
    # otherwise silently drop out of CosmicServiceDown).
    rules_text = (repo / "deploy/prometheus/rules.yml").read_text(encoding="utf-8")
    named = set()
    for match in re.finditer(r'job(=~?)"([^"$]*)"', rules_text):
        named |= set(match.group(2).split("|")) if match.group(1) == "=~" else {match.group(2)}
    for name in sorted(named - tree):
        errors.append(f"deploy/prometheus/rules.yml names job {name!r}, which is not in services/")
    down = re.search(r'up\{job=~"([^"]*)"\}', rules_text)
    if not down or set(down.group(1).split("|")) != tree:
        errors.append("deploy/prometheus/rules.yml: CosmicServiceDown's up{job=~...} must list every service")
    for render in renders:
        with open(render, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        deployed = set()
        for doc in docs:
            if doc["kind"] not in WORKLOADS:
                continue
            for container in pod_spec(doc).get("containers", []):
                if IMAGE not in container.get("image", ""):
                    continue
                program = (container.get("args") or container.get("command") or ["cosmicctl"])[0]
                deployed.add(program)
                if program not in tree | TOOLS:
                    errors.append(f"{render}: {doc['kind']}/{doc['metadata']['name']} runs {program}, "
                                  "which is not in services/ or tools/")
        for name in sorted(tree - deployed):
            errors.append(f"{render}: deploys no {name}")
        for doc in docs:
            if doc["kind"] == "ScaledObject" and doc["spec"]["scaleTargetRef"]["name"] not in tree:
                errors.append(f"{render}: ScaledObject scales {doc['spec']['scaleTargetRef']['name']}, not a service")
    return errors


PINNED = re.compile(r"^[\w./-]+:(v?\d+(\.\d+)+(-[\w.-]+)?)(@sha256:[0-9a-f]{64})?$")
# Projects whose releases are tagged with a single number (mendhak/http-https-echo: 33, 34, ...).
INTEGER_RELEASES = re.compile(r"^mendhak/http-https-echo:\d+(@sha256:[0-9a-f]{64})?$")


def tool_version(tool):
    out = subprocess.run([tool, "--version"], capture_output=True, text=True)
    match = re.search(r"version (\d+\.\d+\.\d+)", out.stdout + out.stderr)
    return match.group(1) if match else None


def check_images(dockerfile_path, compose_path, renders):
    """Every base and third-party image pinned to an exact version (x.y[.z], optionally a digest),
    and the compose Prometheus/Alertmanager the versions of the promtool/amtool validating them."""
    errors = []
    dockerfile = pathlib.Path(dockerfile_path).read_text(encoding="utf-8")
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", dockerfile, re.M))
    for base in re.findall(r"^FROM\s+(\S+)", dockerfile, re.M):
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), base)
        if not PINNED.match(image):
            errors.append(f"Dockerfile: FROM {image} is not pinned to an exact version")
    images = []
    with open(compose_path, encoding="utf-8") as f:
        for name, svc in yaml.safe_load(f)["services"].items():
            images.append((f"compose service {name}", str(svc.get("image", ""))))
    for render in renders:
        with open(render, encoding="utf-8") as f:
            for doc in (d for d in yaml.safe_load_all(f) if d):
                if doc["kind"] in WORKLOADS:
                    spec = pod_spec(doc)
                    for container in spec.get("containers", []) + spec.get("initContainers", []):
                        images.append((f"{render}: {doc['kind']}/{doc['metadata']['name']}", container["image"]))
    for where, image in images:
        if IMAGE in image and (image.endswith(":local") or image == IMAGE):
            continue  # the suite's own image, built locally or tagged by the overlay
        if not PINNED.match(image) and not INTEGER_RELEASES.match(image):
            errors.append(f"{where}: image {image!r} is not pinned to an exact version")
    validators = {"prom/prometheus": tool_version("promtool"), "prom/alertmanager": tool_version("amtool")}
    for where, image in images:
        repo, _, tag = image.partition(":")
        if repo in validators and tag.lstrip("v").split("@")[0] != validators[repo]:
            errors.append(f"{where}: {image} is not the version of the validator here "
                          f"({validators[repo]}); its files are checked with that one")
    return errors


def main(argv):
    if len(argv) >= 2 and argv[0] == "k8s":
        errors = check_k8s(argv[1], "--production" in argv[2:])
    elif len(argv) == 3 and argv[0] == "compose":
        errors = check_compose(argv[1], argv[2])
    elif len(argv) == 4 and argv[0] == "grafana":
        errors = check_grafana(argv[1], argv[2], argv[3])
    elif len(argv) >= 5 and argv[0] == "inventory":
        errors = check_inventory(argv[1], argv[2], argv[3], argv[4:])
    elif len(argv) >= 3 and argv[0] == "images":
        errors = check_images(argv[1], argv[2], argv[3:])
    elif len(argv) >= 4 and argv[0] == "rules":
        errors = check_rules(argv[1], argv[2], argv[3:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for error in errors:
        print(f"  {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
