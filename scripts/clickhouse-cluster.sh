#!/usr/bin/env bash
# A two-shard ClickHouse test cluster on loopback, for the ClickHouse store's tests and benches
# (issue 17). Idempotent; run by scripts/setup-test-env.sh (so by `npm test`) and by hand:
#
#   bash scripts/clickhouse-cluster.sh          start (or reuse) the cluster
#   bash scripts/clickhouse-cluster.sh stop     stop the servers this script started
#
# Two servers from Debian's clickhouse-server package (installed with apt-get when
# /usr/sbin/clickhouse-server is missing and this is root), each with its own config.xml,
# users.xml, data and log folders under $TENURE_TEST_CH_DIR (default /tmp/tenure-test-ch)/s1 and
# /s2, listening on 127.0.0.1 only on free ports (http, tcp, interserver). Both configs carry the
# same <remote_servers> cluster `tenure` of the two shards. Servers this script started earlier
# are reused when they still answer; no system service and no server it did not start is ever
# touched (it signals only the pids in its own pid files, after checking they run its config).
# The connection facts go to $TENURE_TEST_CH_DIR/cluster.json, which the tests read
# (src/store/clickhouse/test-cluster.ts).
#
# Outside CI a failure is a warning (the ClickHouse tests skip with a message); with CI=true it
# fails the run.
set -euo pipefail

CH_DIR="${TENURE_TEST_CH_DIR:-/tmp/tenure-test-ch}"
SERVER=/usr/sbin/clickhouse-server
CLUSTER=tenure
SHARDS=(s1 s2)

fail() {
  echo "clickhouse-cluster: $*" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "clickhouse-cluster: continuing without ClickHouse (its tests will skip; in CI they fail)" >&2
  exit 0
}

# The pid in a shard's pid file when that process is a clickhouse-server running this folder's config.
our_pid() {
  local dir="$CH_DIR/$1" pid
  [ -s "$dir/server.pid" ] || return 1
  pid="$(cat "$dir/server.pid")"
  [ -r "/proc/$pid/cmdline" ] || return 1
  [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "$SERVER --config-file=$dir/config.xml " ] || return 1
  echo "$pid"
}

http_ok() { curl -fsS --max-time 2 "http://127.0.0.1:$1/ping" >/dev/null 2>&1; }

if [ "${1:-start}" = "stop" ]; then
  for s in "${SHARDS[@]}"; do
    if pid="$(our_pid "$s")"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$CH_DIR/$s/server.pid"
  done
  rm -f "$CH_DIR/cluster.json"
  exit 0
fi

command -v curl >/dev/null 2>&1 || fail "curl is needed to check the servers"

if [ ! -x "$SERVER" ]; then
  if [ "$(id -u)" != "0" ]; then fail "$SERVER is missing and this is not root: apt-get install clickhouse-server clickhouse-client"; fi
  echo "clickhouse-cluster: installing ClickHouse (apt-get install clickhouse-server clickhouse-client)" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends clickhouse-server clickhouse-client >/tmp/tenure-apt-ch.log 2>&1; then
    apt-get update -q >>/tmp/tenure-apt-ch.log 2>&1 || true
    apt-get install -y -q --no-install-recommends clickhouse-server clickhouse-client >>/tmp/tenure-apt-ch.log 2>&1 ||
      fail "apt-get install clickhouse-server failed (log: /tmp/tenure-apt-ch.log)"
  fi
  [ -x "$SERVER" ] || fail "clickhouse-server installed but $SERVER not found"
fi

mkdir -p "$CH_DIR"
chmod 755 "$CH_DIR"

# Reuse: both servers of an earlier start still running and answering.
if [ -s "$CH_DIR/cluster.json" ] && [ -s "$CH_DIR/ports" ]; then
  reuse=1
  # shellcheck disable=SC1091
  . "$CH_DIR/ports"
  for s in "${SHARDS[@]}"; do
    var="HTTP_${s}"
    if ! our_pid "$s" >/dev/null || ! http_ok "${!var}"; then reuse=0; fi
  done
  if [ "$reuse" = "1" ]; then exit 0; fi
fi

# Anything left of an earlier start (one server died): stop our own, start both afresh.
for s in "${SHARDS[@]}"; do
  if pid="$(our_pid "$s")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
done
rm -f "$CH_DIR/cluster.json"

# Free ports: three per server, from 58123 on, nothing listening there and not taken here; and one
# more that no server listens on, the second shard of the cluster `tenure_down` (tests of a shard
# that does not answer).
declare -a PORTS=()
candidate=58123
while [ "${#PORTS[@]}" -lt $((3 * ${#SHARDS[@]} + 1)) ]; do
  [ "$candidate" -lt 58999 ] || fail "no free ports in 58123-58999 for the test cluster"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then PORTS+=("$candidate"); fi
  candidate=$((candidate + 1))
done

{
  i=0
  for s in "${SHARDS[@]}"; do
    echo "HTTP_${s}=${PORTS[$i]}"
    echo "TCP_${s}=${PORTS[$((i + 1))]}"
    echo "INTER_${s}=${PORTS[$((i + 2))]}"
    i=$((i + 3))
  done
  echo "DEAD_TCP=${PORTS[$i]}"
} >"$CH_DIR/ports"
# shellcheck disable=SC1091
. "$CH_DIR/ports"

shards_xml=""
for s in "${SHARDS[@]}"; do
  var="TCP_${s}"
  shards_xml+="<shard><replica><host>127.0.0.1</host><port>${!var}</port></replica></shard>"
done

for s in "${SHARDS[@]}"; do
  dir="$CH_DIR/$s"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  h="HTTP_${s}"
  t="TCP_${s}"
  n="INTER_${s}"
  cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<!-- Written by scripts/clickhouse-cluster.sh: Tenure's test shard $s. -->
<yandex>
  <logger>
    <level>warning</level>
    <log>$dir/log/server.log</log>
    <errorlog>$dir/log/server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${!h}</http_port>
  <tcp_port>${!t}</tcp_port>
  <interserver_http_port>${!n}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>512</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <$CLUSTER>$shards_xml</$CLUSTER>
    <${CLUSTER}_down><shard><replica><host>127.0.0.1</host><port>$TCP_s1</port></replica></shard><shard><replica><host>127.0.0.1</host><port>$DEAD_TCP</port></replica></shard></${CLUSTER}_down>
  </remote_servers>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  cat >"$dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<!-- Written by scripts/clickhouse-cluster.sh: one passwordless user, loopback only (a throw-away test cluster). -->
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>in_order</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
    </default>
  </quotas>
</yandex>
EOF
  # Started from its folder (the server resolves relative paths there), immune to hangups
  # (nohup: it outlives this script and the test run); its pid is kept for `stop` and reuse.
  (cd "$dir" && { nohup "$SERVER" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 </dev/null & echo $! >"$dir/server.pid"; })
done

for s in "${SHARDS[@]}"; do
  var="HTTP_${s}"
  ready=0
  for _ in $(seq 1 120); do
    if http_ok "${!var}"; then ready=1; break; fi
    sleep 0.5
  done
  [ "$ready" = "1" ] || fail "shard $s did not answer on 127.0.0.1:${!var} within 60 s (log: $CH_DIR/$s/log/server.err.log)"
done

{
  echo "{"
  echo "  \"cluster\": \"$CLUSTER\","
  echo "  \"downCluster\": {\"name\": \"${CLUSTER}_down\", \"deadTcpPort\": $DEAD_TCP},"
  echo "  \"shards\": ["
  sep=""
  for s in "${SHARDS[@]}"; do
    h="HTTP_${s}"
    t="TCP_${s}"
    printf '%s    {"name": "%s", "http": "http://127.0.0.1:%s", "tcpPort": %s}' "$sep" "$s" "${!h}" "${!t}"
    sep=$',\n'
  done
  echo
  echo "  ]"
  echo "}"
} >"$CH_DIR/cluster.json.tmp"
mv "$CH_DIR/cluster.json.tmp" "$CH_DIR/cluster.json"
chmod 644 "$CH_DIR/cluster.json"
echo "clickhouse-cluster: two shards on 127.0.0.1:$HTTP_s1 and :$HTTP_s2 (cluster $CLUSTER, $CH_DIR)" >&2
