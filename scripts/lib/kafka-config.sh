# shellcheck shell=bash
# Writes the files of a new cluster directory for scripts/kafka: per-node server.properties,
# the client settings files and, with --sasl-ssl, a throwaway CA and broker keystore.
# Sourced after kafka-common.sh, never run.

# Kafka's own Uuid format (16 random bytes, URL-safe base64 without padding); one that starts
# with '-' is drawn again, as Kafka's Uuid.randomUuid does, so it never reads as a CLI flag.
new_cluster_id() {
    python - <<'EOF'
import base64, os
while True:
    text = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
    if not text.startswith("-"):
        print(text)
        break
EOF
}

# write_node_properties DIR N NODES SASL_SSL VOTERS CLIENT_PORT CONTROLLER_PORT [INTERNAL_PORT]
write_node_properties() {
    local dir=$1 n=$2 nodes=$3 sasl=$4 voters=$5 client=$6 controller=$7 internal=${8:-}
    local rf=$((nodes < 3 ? nodes : 3)) min_isr=$((nodes < 3 ? 1 : 2))
    local node_dir="${dir}/node-${n}"
    mkdir -p "${node_dir}/data"
    {
        echo "# Written by scripts/kafka start: combined KRaft broker+controller ${n} of ${nodes}."
        echo "process.roles=broker,controller"
        echo "node.id=${n}"
        echo "controller.listener.names=CONTROLLER"
        echo "# Static quorum (kraft.version 0): every node lists every voter, so no --standalone."
        echo "controller.quorum.voters=${voters}"
        if ((sasl)); then
            echo "listeners=CLIENT://127.0.0.1:${client},INTERNAL://127.0.0.1:${internal},CONTROLLER://127.0.0.1:${controller}"
            echo "advertised.listeners=CLIENT://127.0.0.1:${client},INTERNAL://127.0.0.1:${internal}"
            echo "listener.security.protocol.map=CLIENT:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT"
            echo "# Brokers replicate over plaintext loopback; only the client listener is secured."
            echo "inter.broker.listener.name=INTERNAL"
            echo "# SCRAM users live in the metadata log (seeded by 'format --add-scram'). PLAIN, over TLS,"
            echo "# is for librdkafka before 2.6.1 (Debian 12 ships 2.0.2): its SCRAM client repeats the"
            echo "# client nonce, which Kafka 4.x rejects as invalid credentials (librdkafka PR #4895)."
            echo "listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN"
            echo "listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
            echo "listener.name.client.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${SCRAM_USER}=\"${SCRAM_PASSWORD}\";"
            echo "listener.name.client.ssl.keystore.type=PKCS12"
            echo "listener.name.client.ssl.keystore.location=${dir}/tls/broker.p12"
            echo "listener.name.client.ssl.keystore.password=${KEYSTORE_PASSWORD}"
            echo "listener.name.client.ssl.key.password=${KEYSTORE_PASSWORD}"
        else
            echo "listeners=PLAINTEXT://127.0.0.1:${client},CONTROLLER://127.0.0.1:${controller}"
            echo "advertised.listeners=PLAINTEXT://127.0.0.1:${client}"
            echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
            echo "inter.broker.listener.name=PLAINTEXT"
        fi
        echo "log.dirs=${node_dir}/data"
        echo "# Topics are created by 'cosmicctl topics apply' (or 'scripts/kafka topics'), never by a typo."
        echo "auto.create.topics.enable=false"
        echo "default.replication.factor=${rf}"
        echo "min.insync.replicas=${min_isr}"
        echo "offsets.topic.replication.factor=${rf}"
        echo "offsets.topic.num.partitions=10"
        echo "transaction.state.log.replication.factor=${rf}"
        echo "transaction.state.log.min.isr=${min_isr}"
        echo "share.coordinator.state.topic.replication.factor=${rf}"
        echo "share.coordinator.state.topic.min.isr=${min_isr}"
        echo "group.initial.rebalance.delay.ms=0"
        echo "# Fewer threads than the defaults: three brokers share two cores with the suite."
        echo "num.network.threads=2"
        echo "num.io.threads=4"
        echo "num.recovery.threads.per.data.dir=1"
    } >"${node_dir}/server.properties"
}

# A self-signed CA and one broker certificate (SAN 127.0.0.1 and localhost, which librdkafka
# verifies by default) in a PKCS12 keystore shared by every node of this test cluster.
make_tls() {
    local tls="$1/tls"
    require_cmd openssl "needed for --sasl-ssl (Debian: apt-get install openssl)"
    mkdir -p "$tls"
    (
        cd "$tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=cosmic-kafka-test-ca" \
            -keyout ca.key -out ca.pem
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout broker.key -out broker.csr
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >broker.ext
        openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile broker.ext -out broker.pem
        openssl pkcs12 -export -name broker -in broker.pem -inkey broker.key -certfile ca.pem \
            -out broker.p12 -passout "pass:${KEYSTORE_PASSWORD}"
        # Proves the JVM can read what openssl wrote before any broker depends on it.
        if command -v keytool >/dev/null; then
            keytool -list -storetype PKCS12 -keystore broker.p12 -storepass "$KEYSTORE_PASSWORD"
        fi
    ) >"${tls}/make.log" 2>&1 || {
        cat "${tls}/make.log" >&2
        die "could not create the TLS files in ${tls}"
    }
}

# client.properties holds librdkafka settings (kcat -F, the services' KAFKA_* keys);
# client-java.properties the same for Kafka's Java CLI tools (--command-config). librdkafka
# uses PLAIN (see write_node_properties); the Java tools use SCRAM-SHA-512, which proves the
# seeded SCRAM credentials work. Both name the same user and password.
write_client_files() {
    local dir=$1 sasl=$2
    if ((sasl)); then
        cat >"${dir}/client.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.username=${SCRAM_USER}
sasl.password=${SCRAM_PASSWORD}
ssl.ca.location=${dir}/tls/ca.pem
EOF
        cat >"${dir}/client-java.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${SCRAM_USER}" password="${SCRAM_PASSWORD}";
ssl.truststore.type=PEM
ssl.truststore.location=${dir}/tls/ca.pem
EOF
    else
        echo "security.protocol=plaintext" >"${dir}/client.properties"
        echo "security.protocol=PLAINTEXT" >"${dir}/client-java.properties"
    fi
    chmod 600 "${dir}/client.properties" "${dir}/client-java.properties"
}
