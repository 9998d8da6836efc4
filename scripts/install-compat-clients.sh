#!/usr/bin/env bash
# Installs the real third-party clients that compat/run.js drives, each into
# its own compat/<client>/ folder so the broker's own install stays small.
# Idempotent: a client whose install is current is skipped. Prints timings.
#
# Needs Debian packages first (.ci/run installs them): librdkafka build deps
# for @confluentinc/kafka-javascript, golang-go and the sarama and kafka-go
# -dev packages.
# Nothing here downloads anything but npm packages.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
compat="$repo/compat"

step() {
  local name="$1"
  shift
  local t0=$SECONDS
  echo "==> [compat install] $name"
  "$@"
  echo "==> [compat install] $name: done in $((SECONDS - t0)) s"
}

# npm ci only when package-lock.json changed since the last successful install;
# the stamp holds the lock file's hash.
npm_client() {
  local dir="$compat/$1"
  shift
  local stamp="$dir/node_modules/.sluice-install-stamp"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "    $(basename "$dir"): up to date, skipped"
    return
  fi
  (cd "$dir" && env "$@" npm ci --no-audit --no-fund --loglevel=warn)
  echo "$want" >"$stamp"
}

# @confluentinc/kafka-javascript: its install script is
# `node-pre-gyp install --fallback-to-build`. We skip the prebuilt-binary
# download (build_from_source) and set CKJS_LINKING=dynamic, which makes its
# bundled librdkafka 2.15.1 configure without --install-deps, so it links
# Debian's openssl/zlib/zstd/lz4/sasl/curl instead of downloading their
# sources. Debian's own librdkafka 2.0.2 cannot be used (BUILD_LIBRDKAFKA=0):
# the binding calls ~40 functions added after 2.0 (DescribeTopics,
# ListOffsets, TopicCollection, Uuid, consumer group types, ...).
# The build runs make -j in librdkafka: nice keeps it off others' cores.
confluent_js() {
  npm_client confluent-js CKJS_LINKING=dynamic npm_config_build_from_source=true nice -n 10
}

# Go runners against Debian's sarama 1.22.1 and kafka-go 0.2.1, in GOPATH
# mode so no module proxy is involved. Rebuilt only when a .go file changed,
# the runner's own or the shared compatkit's.
go_runner() {
  local name="$1" dir="$compat/$1" bin="$compat/$1/bin/$1-runner"
  if [[ -x "$bin" && -z "$(find "$dir" "$compat/lib/go/src" -maxdepth 3 -name '*.go' -newer "$bin")" ]]; then
    echo "    $name: binary up to date, skipped"
    return
  fi
  # DataDog/zstd (sarama's zstd) warns about a deprecated libzstd call: filtered.
  (cd "$dir" && GO111MODULE=off GOPATH="$compat/lib/go:/usr/share/gocode" \
    go build -o "bin/$name-runner" . 2> >(grep -v -e 'deprecated' -e 'cgo-gcc-prolog' -e '^ *|' -e '^ *[0-9]* |' -e 'zstd.h' -e 'DataDog/zstd' >&2))
}

# The group coordinator's KIP-848 test (test/src/coordinator/group/kip848-client.test.ts)
# needs a consumer that sends ConsumerGroupHeartbeat v0, the version of Kafka 3.9's specs:
# @confluentinc/kafka-javascript 1.2.0 bundles librdkafka 2.8.0, which does (2.10+ send v1
# only). Built like confluent-js above.
kip848_client() {
  local dir="$repo/test/clients/kip848"
  local stamp="$dir/node_modules/.sluice-install-stamp" want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "    kip848: up to date, skipped"
    return
  fi
  (cd "$dir" && CKJS_LINKING=dynamic npm_config_build_from_source=true nice -n 10 npm ci --no-audit --no-fund --loglevel=warn)
  echo "$want" >"$stamp"
  (cd "$dir" && node -e "console.log(\"kip848 client: librdkafka\", require(\"@confluentinc/kafka-javascript\").librdkafkaVersion)")
}

t_all=$SECONDS
step "kafkajs (npm)" npm_client kafkajs
step "@platformatic/kafka 1.x (npm)" npm_client platformatic
step "@confluentinc/kafka-javascript (npm, builds librdkafka)" confluent_js
step "@confluentinc/kafka-javascript 1.2.0 for the KIP-848 test (npm, builds librdkafka 2.8.0)" kip848_client
step "sarama (go build, GOPATH mode)" go_runner sarama
step "kafka-go (go build, GOPATH mode)" go_runner kafka-go
# Each client must load, not just be on disk: confluent-js loads its native
# binding and reports the librdkafka it was built with.
step "check the clients load" bash -ec '
  cd "$1"
  (cd kafkajs && node --input-type=module -e "const k = await import(\"kafkajs\"); console.log(\"kafkajs\", typeof k.default.Kafka)")
  (cd platformatic && node --input-type=module -e "const k = await import(\"@platformatic/kafka\"); console.log(\"@platformatic/kafka\", typeof k.Producer)")
  (cd confluent-js && node -e "console.log(\"@confluentinc/kafka-javascript librdkafka\", require(\"@confluentinc/kafka-javascript\").librdkafkaVersion)")
  sarama/bin/sarama-runner --unsupported >/dev/null && echo "sarama-runner ok"
  kafka-go/bin/kafka-go-runner --unsupported >/dev/null && echo "kafka-go-runner ok"
  kcat -V | sed -n 4p
  /usr/bin/python3 -c "import confluent_kafka as c; print(\"confluent-kafka-python\", c.version()[0], \"librdkafka\", c.libversion()[0])"
  /usr/bin/python3 -c "import kafka; print(\"kafka-python\", kafka.__version__)"' _ "$compat"
echo "==> [compat install] all clients in $((SECONDS - t_all)) s"
