# Sourced by .ci/run: start_redis installs redis-server when missing, starts
# one on a free loopback port with no persistence, exports REDIS_ADDR, and
# stops it by pid when the script exits.

start_redis() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "installing redis-server"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  REDIS_DIR=$(mktemp -d)
  local port try
  for try in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
      --save '' --appendonly no --dir "$REDIS_DIR" --daemonize no \
      --logfile "$REDIS_DIR/redis.log" &
    REDIS_PID=$!
    trap stop_redis EXIT
    for _ in $(seq 50); do
      if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
        export REDIS_ADDR="127.0.0.1:$port"
        echo "redis-server $(redis-server --version | grep -o 'v=[0-9.]*') pid $REDIS_PID on $REDIS_ADDR"
        return 0
      fi
      if ! kill -0 "$REDIS_PID" 2>/dev/null; then break; fi # port taken: try another
      sleep 0.1
    done
    stop_redis
  done
  echo "could not start redis-server"; cat "$REDIS_DIR/redis.log"; return 1
}

stop_redis() {
  if [ -n "${REDIS_PID:-}" ]; then
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=
  fi
}
