#!/usr/bin/env bash
# The native stack: Apache Kafka (KRaft, one node), Apicurio Registry (Confluent-compatible API,
# stored in PostgreSQL) and the machine's PostgreSQL. No Docker needed.
#
#   scripts/stack.sh up [kafka|registry]     provision (Maven Central, cached) and start; idempotent
#   scripts/stack.sh down [kafka|registry]   stop what this script started, by pid
#   scripts/stack.sh status   one line per service; exit 1 if any is down
#   scripts/stack.sh logs [kafka|registry] [lines]
#
# Every setting is an environment variable with the same name as in deploy/docker-compose.yml
# and the apps' config (see .env.example), so switching to Docker needs no code change.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/scripts/stack/kafka-pom.xml")"
APICURIO_VERSION="${APICURIO_VERSION:-3.3.3}"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
SCHEMA_REGISTRY_PORT="${SCHEMA_REGISTRY_PORT:-8081}"
SCHEMA_REGISTRY_MANAGEMENT_PORT="${SCHEMA_REGISTRY_MANAGEMENT_PORT:-9001}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
PGPASSWORD="${PGPASSWORD:-postgres}"
# Databases this project owns: the backbone's own, the one its tests use, and the registry's.
DATABASE_NAME="${DATABASE_NAME:-backbone}"
TEST_DATABASE_NAME="${TEST_DATABASE_NAME:-backbone_test}"
SCHEMA_REGISTRY_DATABASE="${SCHEMA_REGISTRY_DATABASE:-backbone_registry}"
# Start-up on two busy cores can be slow (the registry's first start creates its tables).
STACK_START_TIMEOUT="${STACK_START_TIMEOUT:-180}"

KAFKA_HOME="$STACK_DIR/kafka-$KAFKA_VERSION"
REGISTRY_HOME="$STACK_DIR/apicurio-registry-$APICURIO_VERSION"
DATA_DIR="$STACK_DIR/data"
LOG_DIR="$STACK_DIR/logs"
PID_DIR="$STACK_DIR/pids"
export PGPASSWORD

say() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- preflight

java_major() { # prints the major version of the java binary $1
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -1
}

# Finds a java binary of at least major version $1: JAVA_HOME, PATH, then /usr/lib/jvm.
find_java() {
  local min="$1" candidate major
  for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    major="$(java_major "$candidate")"
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

require_tools() {
  command -v mvn >/dev/null || die "Maven (mvn) is missing: install it (apt-get install maven); it fetches Kafka and the registry from Maven Central"
  command -v curl >/dev/null || die "curl is missing: install it (apt-get install curl)"
  command -v psql >/dev/null || die "psql is missing: install the PostgreSQL client (apt-get install postgresql-client)"
  KAFKA_JAVA="$(find_java 17)" || die "Kafka $KAFKA_VERSION needs Java 17 or newer; none found in JAVA_HOME, PATH or /usr/lib/jvm"
  REGISTRY_JAVA="$(find_java 21)" || die "Apicurio Registry $APICURIO_VERSION needs Java 21 or newer; none found in JAVA_HOME, PATH or /usr/lib/jvm (install temurin-21-jdk or openjdk-21-jdk)"
}

port_owner() { # prints "pid/name" of the process listening on 127.0.0.1:$1, empty if free
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\"\([^\"]*\)\",pid=\([0-9]*\).*/\2\/\1/p' | head -1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() { # $1 port, $2 what needs it
  if port_open "$1"; then
    die "port $1 (needed by $2) is already in use by ${3:-$(port_owner "$1")}: stop that process or set the port variable (see .env.example)"
  fi
}

# ---------------------------------------------------------------- pids

pid_of() { cat "$PID_DIR/$1.pid" 2>/dev/null || true; }

# A pid counts as ours only if it is alive and its command line names this stack's folder, so a
# recycled pid never makes us stop (or trust) someone else's process.
is_ours() {
  local pid; pid="$(pid_of "$1")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$STACK_DIR"
}

stop_service() {
  local name="$1" pid
  if ! is_ours "$name"; then rm -f "$PID_DIR/$name.pid"; say "$name: not running"; return 0; fi
  pid="$(pid_of "$name")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PID_DIR/$name.pid"; say "$name: stopped (pid $pid)"; return 0; }
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PID_DIR/$name.pid"
  say "$name: killed after 30 s (pid $pid)"
}

fail_with_log() { # $1 service, $2 message
  printf '[stack] ERROR: %s\n[stack] last lines of %s:\n' "$2" "$LOG_DIR/$1.log" >&2
  tail -n 40 "$LOG_DIR/$1.log" >&2 2>/dev/null || true
  exit 1
}

wait_until() { # $1 service, $2 description, $3.. command that succeeds when ready
  local name="$1" what="$2"; shift 2
  local deadline=$((SECONDS + STACK_START_TIMEOUT))
  until "$@"; do
    is_ours "$name" || fail_with_log "$name" "$name exited during start-up"
    [ "$SECONDS" -lt "$deadline" ] || fail_with_log "$name" "$name not $what within ${STACK_START_TIMEOUT}s (STACK_START_TIMEOUT)"
    sleep 1
  done
}

# ---------------------------------------------------------------- postgres

postgres_ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }

ensure_postgres() {
  if ! postgres_ready; then
    local version
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
    if [ "$PGHOST" = 127.0.0.1 ] && [ -n "$version" ] && command -v pg_ctlcluster >/dev/null; then
      say "postgres: not answering on $PGHOST:$PGPORT, starting the machine's cluster $version/main"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || die "could not start PostgreSQL cluster $version/main (see /var/log/postgresql)"
      for _ in $(seq 1 30); do postgres_ready && break; sleep 1; done
    fi
    postgres_ready || die "PostgreSQL is not answering on $PGHOST:$PGPORT and there is no local cluster to start (pg_ctlcluster, /etc/postgresql): install postgresql or point PGHOST/PGPORT at a server"
  fi
  local db
  for db in "$DATABASE_NAME" "$TEST_DATABASE_NAME" "$SCHEMA_REGISTRY_DATABASE"; do
    if [ -z "$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tAc "select 1 from pg_database where datname = '$db'")" ]; then
      psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "create database \"$db\"" >/dev/null
      say "postgres: created database $db"
    fi
  done
  tune_postgres
  say "postgres: ready on $PGHOST:$PGPORT (databases $DATABASE_NAME, $TEST_DATABASE_NAME, $SCHEMA_REGISTRY_DATABASE)"
}

# deploy/postgres-tuning.conf on the machine's own cluster (not on a server PGHOST points elsewhere,
# nor with STACK_TUNE_POSTGRES=0): each setting that differs is set with ALTER SYSTEM, then one reload.
tune_postgres() {
  [ "$PGHOST" = 127.0.0.1 ] && [ "${STACK_TUNE_POSTGRES:-1}" != 0 ] || return 0
  local line name value current changed=()
  while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]*([a-z_]+)[[:space:]]*=[[:space:]]*([^[:space:]]+)[[:space:]]*$ ]] || continue
    name="${BASH_REMATCH[1]}"; value="${BASH_REMATCH[2]}"
    current="$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tAc "select current_setting('$name')")" || die "PostgreSQL has no setting $name"
    if [ "$current" != "$value" ]; then
      # A server without lz4, say, keeps its setting: slower catch-ups, nothing wrong.
      if psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "alter system set $name = '$value'" >/dev/null; then changed+=("$name=$value")
      else say "postgres: could not set $name = $value (left as $current)"; fi
    fi
  done < "$ROOT/deploy/postgres-tuning.conf"
  if [ "${#changed[@]}" -gt 0 ]; then
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qtAc "select pg_reload_conf()" >/dev/null
    say "postgres: tuned for the backbone (deploy/postgres-tuning.conf): ${changed[*]}"
  fi
}

# The backbone's databases hold what was projected from one Kafka cluster's topics (consumer
# positions stored with the rows, the outbox, idempotency records). The native Kafka lives in this
# clone's .stack, PostgreSQL is the machine's: a new clone formats a new, empty cluster, and
# positions from the old one would make projectors skip the new cluster's first offsets. So each
# database is labelled with its cluster id, and one labelled for another cluster is recreated empty.
# The registry's database is not: schema ids must survive (see README, design notes).
bind_databases_to_kafka_cluster() {
  local cluster db label
  cluster="$(cat "$DATA_DIR/kafka-cluster-id" 2>/dev/null)" || return 0
  for db in "$DATABASE_NAME" "$TEST_DATABASE_NAME"; do
    label="$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tAc "select shobj_description(oid, 'pg_database') from pg_database where datname = '$db'")"
    [ "$label" = "kafka-cluster:$cluster" ] && continue
    if [ -n "$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$db" -tAc "select 1 from pg_tables where schemaname = 'public' limit 1")" ]; then
      psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "drop database \"$db\" with (force)" >/dev/null
      psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "create database \"$db\"" >/dev/null
      say "postgres: database $db held data of another Kafka cluster (${label:-unlabelled}); recreated it empty"
    fi
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "comment on database \"$db\" is 'kafka-cluster:$cluster'" >/dev/null
  done
}

# ---------------------------------------------------------------- development secrets

# Secrets are never in the repository. For the native (development) stack, generate them once
# into the git-ignored .stack/secrets; scripts/apps.sh and the tests read them from there.
ensure_dev_secrets() {
  local dir="$STACK_DIR/secrets"
  mkdir -p "$dir" && chmod 700 "$dir"
  if [ ! -s "$dir/patient-key-secret" ]; then
    (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n' >"$dir/patient-key-secret")
    say "secrets: generated the development patient-key secret in $dir"
  fi
}

# ---------------------------------------------------------------- provisioning

mvn_fetch() { # $1 what, rest: mvn args. Output kept for the error message only.
  local what="$1" out; shift
  if ! out="$(mvn -B -q "$@" 2>&1)"; then
    printf '%s\n' "$out" | tail -n 15 >&2
    die "Maven could not fetch $what (is Maven Central reachable? see above)"
  fi
}

provision_kafka() {
  [ -f "$KAFKA_HOME/.complete" ] && return 0
  say "kafka: resolving Apache Kafka $KAFKA_VERSION from Maven Central (cached in ~/.m2)"
  rm -rf "$KAFKA_HOME"
  mvn_fetch "Apache Kafka $KAFKA_VERSION" -f "$ROOT/scripts/stack/kafka-pom.xml" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs"
  touch "$KAFKA_HOME/.complete"
}

provision_registry() {
  [ -f "$REGISTRY_HOME/.complete" ] && return 0
  say "registry: resolving Apicurio Registry $APICURIO_VERSION (tar.gz:all, ~160 MB) from Maven Central"
  rm -rf "$REGISTRY_HOME"
  mkdir -p "$STACK_DIR/downloads" "$REGISTRY_HOME"
  mvn_fetch "Apicurio Registry $APICURIO_VERSION" dependency:copy \
    -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -DoutputDirectory="$STACK_DIR/downloads"
  tar -xzf "$STACK_DIR/downloads/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$REGISTRY_HOME"
  # 3.1.x archives have a top-level quarkus-app/ folder, 3.3.x do not.
  if [ -d "$REGISTRY_HOME/quarkus-app" ]; then mv "$REGISTRY_HOME"/quarkus-app/* "$REGISTRY_HOME"/; rmdir "$REGISTRY_HOME/quarkus-app"; fi
  [ -f "$REGISTRY_HOME/quarkus-run.jar" ] || die "registry: quarkus-run.jar not found in the Apicurio archive"
  touch "$REGISTRY_HOME/.complete"
}

# ---------------------------------------------------------------- kafka

kafka_ready() { port_open "$KAFKA_PORT" && grep -q "BrokerServer id=1\] Transition from STARTING to STARTED" "$LOG_DIR/kafka.log" 2>/dev/null; }

start_kafka() {
  if is_ours kafka; then say "kafka: already running (pid $(pid_of kafka))"; return 0; fi
  local conf="$STACK_DIR/kafka.properties" logdir="$DATA_DIR/kafka" cluster_id_file="$DATA_DIR/kafka-cluster-id"
  mkdir -p "$logdir"
  # Single node: every replication factor is 1, or the group coordinator never becomes available.
  cat >"$conf" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$logdir
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  if [ ! -f "$logdir/meta.properties" ]; then
    [ -f "$cluster_id_file" ] || "$KAFKA_JAVA" -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 >"$cluster_id_file"
    say "kafka: formatting KRaft storage (cluster $(cat "$cluster_id_file"))"
    "$KAFKA_JAVA" -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool format -t "$(cat "$cluster_id_file")" -c "$conf" \
      >"$LOG_DIR/kafka-format.log" 2>&1 || { tail -n 20 "$LOG_DIR/kafka-format.log" >&2; die "kafka: formatting $logdir failed"; }
  elif [ -f "$cluster_id_file" ] && ! grep -q "cluster.id=$(cat "$cluster_id_file")" "$logdir/meta.properties"; then
    die "kafka: $logdir was formatted for another cluster id; remove $DATA_DIR to start afresh"
  fi
  say "kafka: starting Apache Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT ($KAFKA_JAVA)"
  : >"$LOG_DIR/kafka.log"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM flags
  setsid nohup "$KAFKA_JAVA" ${KAFKA_HEAP_OPTS:--Xmx768m -Xms256m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
    -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn \
    -Dstack.dir="$STACK_DIR" -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$conf" >>"$LOG_DIR/kafka.log" 2>&1 </dev/null &
  echo $! >"$PID_DIR/kafka.pid"
}

# ---------------------------------------------------------------- registry

registry_url() { echo "http://127.0.0.1:$SCHEMA_REGISTRY_PORT/apis/ccompat/v7"; }
registry_ready() { curl -fsS -o /dev/null --max-time 2 "$(registry_url)/subjects" 2>/dev/null; }

start_registry() {
  if is_ours registry; then say "registry: already running (pid $(pid_of registry))"; return 0; fi
  say "registry: starting Apicurio Registry $APICURIO_VERSION on 127.0.0.1:$SCHEMA_REGISTRY_PORT, stored in PostgreSQL database $SCHEMA_REGISTRY_DATABASE ($REGISTRY_JAVA)"
  : >"$LOG_DIR/registry.log"
  # Persistent storage is essential: a registry that restarts empty hands out schema ids from 1
  # again, and messages already in Kafka would then decode with the wrong schema.
  # shellcheck disable=SC2086
  setsid nohup "$REGISTRY_JAVA" ${SCHEMA_REGISTRY_HEAP_OPTS:--Xmx512m} -XX:+UseSerialGC \
    -Dstack.dir="$STACK_DIR" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$SCHEMA_REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$SCHEMA_REGISTRY_MANAGEMENT_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=postgresql \
    -Dapicurio.datasource.url="jdbc:postgresql://$PGHOST:$PGPORT/$SCHEMA_REGISTRY_DATABASE" \
    -Dapicurio.datasource.username="$PGUSER" -Dapicurio.datasource.password="$PGPASSWORD" \
    -jar "$REGISTRY_HOME/quarkus-run.jar" >>"$LOG_DIR/registry.log" 2>&1 </dev/null &
  echo $! >"$PID_DIR/registry.pid"
}

# Checked before anything is downloaded or started, so a clash fails in a second with its cause.
require_free_ports() {
  if want kafka && ! is_ours kafka; then
    require_free_port "$KAFKA_PORT" "Kafka (KAFKA_PORT)"
    require_free_port "$KAFKA_CONTROLLER_PORT" "the Kafka controller (KAFKA_CONTROLLER_PORT)"
  fi
  if want registry && ! is_ours registry; then
    require_free_port "$SCHEMA_REGISTRY_PORT" "the schema registry (SCHEMA_REGISTRY_PORT)"
    require_free_port "$SCHEMA_REGISTRY_MANAGEMENT_PORT" "the registry's management interface (SCHEMA_REGISTRY_MANAGEMENT_PORT)"
  fi
}

# ---------------------------------------------------------------- commands

want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

cmd_up() {
  local started=$SECONDS
  mkdir -p "$DATA_DIR" "$LOG_DIR" "$PID_DIR"
  require_tools
  require_free_ports
  ensure_postgres
  ensure_dev_secrets
  if want kafka; then provision_kafka; start_kafka; bind_databases_to_kafka_cluster; fi
  if want registry; then provision_registry; start_registry; fi
  if want kafka; then
    wait_until kafka "ready on 127.0.0.1:$KAFKA_PORT" kafka_ready
    say "kafka: ready on 127.0.0.1:$KAFKA_PORT"
  fi
  if want registry; then
    if grep -q UnsupportedClassVersionError "$LOG_DIR/registry.log" 2>/dev/null; then
      fail_with_log registry "the registry needs a newer Java than $REGISTRY_JAVA"
    fi
    wait_until registry "answering at $(registry_url)" registry_ready
    say "registry: ready at $(registry_url)"
  fi
  say "stack up in $((SECONDS - started)) s"
}

cmd_down() {
  if want registry; then stop_service registry; fi
  if want kafka; then stop_service kafka; fi
  [ -n "$ONLY" ] || say "postgres: the machine's server, left running"
}

cmd_status() {
  local ok=0
  if is_ours kafka && kafka_ready; then say "kafka     up   pid $(pid_of kafka), 127.0.0.1:$KAFKA_PORT"
  else say "kafka     down"; ok=1; fi
  if is_ours registry && registry_ready; then say "registry  up   pid $(pid_of registry), $(registry_url)"
  else say "registry  down"; ok=1; fi
  if postgres_ready; then say "postgres  up   $PGHOST:$PGPORT"
  else say "postgres  down"; ok=1; fi
  return $ok
}

cmd_logs() {
  local lines="${2:-60}"
  case "${1:-all}" in
    kafka | registry) tail -n "$lines" "$LOG_DIR/$1.log" ;;
    all) for s in kafka registry; do echo "==> $s <=="; tail -n "$lines" "$LOG_DIR/$s.log" 2>/dev/null || true; done ;;
    *) die "unknown service '$1' (kafka, registry)" ;;
  esac
}

ONLY=""
case "${2:-}" in
  "" | kafka | registry) ONLY="${2:-}" ;;
  *) [ "${1:-}" = logs ] || { echo "unknown service '$2' (kafka, registry)" >&2; exit 2; } ;;
esac

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) shift; cmd_logs "$@" ;;
  *) echo "usage: $0 up|down [kafka|registry] | status | logs [kafka|registry] [lines]" >&2; exit 2 ;;
esac
