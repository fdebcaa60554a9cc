# Sourced by .ci/run: need_redis_server installs redis-server when missing
# and exports REDISSTORE_TEST_REDIS_SERVER, so the redisstore tests start
# their own server from it (loopback, a free port, no persistence, stopped
# when they end; see redisstore/server_test.go) and fail rather than skip
# the real-server run if they cannot. The tests never use a Redis they did
# not start, whatever REDIS_ADDR says.

need_redis_server() {
  if ! command -v redis-server >/dev/null; then
    echo "installing redis-server"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  REDISSTORE_TEST_REDIS_SERVER=$(command -v redis-server)
  export REDISSTORE_TEST_REDIS_SERVER
  echo "redis-server $("$REDISSTORE_TEST_REDIS_SERVER" --version | grep -o 'v=[0-9.]*') at $REDISSTORE_TEST_REDIS_SERVER"
}
