#!/usr/bin/env bash
# A scratch module outside the repository requires redisstore and devcloudotel
# the way an application does: `go get` from a module proxy, no replace, no
# go.work. The proxy is a directory (GOPROXY=file://…) holding this
# checkout's committed modules as the zips a tag would publish (`git archive`
# of the tree, nested modules cut out of the core's zip); every other module
# comes from the module cache or the usual GOPROXY.
#
# Two builds:
#   1. the integrations at HEAD with the core at the version their go.mod
#      requires (what `go get …/redisstore@<commit>` gives an app that does
#      not require the core itself): proves that require names a version
#      that exists and holds the API the integrations use;
#   2. all three modules at HEAD, as a release tags them.
#
# It needs no network once the module cache holds the dependencies
# (GOPROXY=off bash .ci/consumer.sh). Not covered: that proxy.golang.org
# serves these versions (only once the repository is public and tagged) and
# the checksum database's entries for them (GONOSUMDB below).
set -euo pipefail
cd "$(dirname "$0")/.."
core=github.com/devcloud/devcloud-go
integrations=(redisstore devcloudotel)

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
proxy=$work/proxy

# pseudo REV: the pseudo-version Go gives commit REV of a module without tags.
pseudo() {
  printf 'v0.0.0-%s-%s' "$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S "$1")" \
    "$(git rev-parse --short=12 "$1")"
}

# publish PATH VERSION REV [DIR]: module PATH at VERSION from the tree of
# commit REV (its subdirectory DIR for a nested module).
publish() {
  local path=$1 version=$2 rev=$3 dir=${4:-} at=$proxy/$1/@v
  mkdir -p "$at"
  echo "$version" >>"$at/list"
  printf '{"Version":"%s","Time":"%s"}\n' "$version" \
    "$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ "$rev")" >"$at/$version.info"
  if [ -z "$dir" ]; then
    git show "$rev:go.mod" >"$at/$version.mod"
    local excludes=()
    for nested in $(git ls-tree -r --name-only "$rev" | grep '/go\.mod$' || true); do
      excludes+=(":(exclude)$(dirname "$nested")")
    done
    git archive --format=zip --prefix="$path@$version/" -o "$at/$version.zip" "$rev" -- . "${excludes[@]}"
  else
    git show "$rev:$dir/go.mod" >"$at/$version.mod"
    git archive --format=zip --prefix="$path@$version/" -o "$at/$version.zip" "$rev:$dir"
  fi
}

# commitOf VERSION: the commit a required core version names, its tag or a
# pseudo-version's commit. A version this clone cannot name is an error: no
# proxy could serve it either. A shallow clone may lack the commit; it says
# so and prints nothing.
commitOf() {
  local v=$1 rev
  if rev=$(git rev-parse -q --verify "refs/tags/$v^{commit}"); then echo "$rev"; return; fi
  if [[ $v =~ -([0-9a-f]{12})$ ]]; then
    if rev=$(git rev-parse -q --verify "${BASH_REMATCH[1]}^{commit}"); then echo "$rev"; return; fi
    if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
      echo "  this shallow clone lacks the commit of $v: build 1 is skipped" >&2
      return
    fi
  fi
  echo "the integrations require the core at $v, which names no tag or commit of this repository:" >&2
  echo "require a pseudo-version of a commit on main, or tag the core first (README.md, Modules and releases)" >&2
  exit 1
}

head=$(pseudo HEAD)
published=() pinned=yes
for m in "${integrations[@]}"; do
  publish "$core/$m" "$head" HEAD "$m"
  required=$(git show "HEAD:$m/go.mod" | sed -n "s|^[[:space:]]*\(require[[:space:]]*\)\?$core \(v[^[:space:]]*\).*|\2|p")
  echo "$m $head requires the core at $required"
  [[ " ${published[*]} " =~ " $required " ]] && continue
  rev=$(commitOf "$required")
  if [ -z "$rev" ]; then pinned=; continue; fi
  publish "$core" "$required" "$rev"
  published+=("$required")
done
[[ " ${published[*]} " =~ " $head " ]] || publish "$core" "$head" HEAD

app=$work/app
mkdir -p "$app"
cat >"$app/main.go" <<'EOF'
// Command app uses both integrations, as an application would.
package main

import (
	"fmt"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/devcloudotel"
	"github.com/devcloud/devcloud-go/redisstore"
)

func main() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	c, err := client.New("https://api.devcloud.example",
		client.WithCredentials("app", "secret"),
		client.WithSessionStore(redisstore.New(rdb, "app")),
		devcloudotel.WithTelemetry(nil, nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c.Close()
}
EOF
# A module cache of its own keeps these versions out of the machine's; the
# machine's cache serves the other modules as a proxy would, offline.
modcache=$(go env GOMODCACHE)
export GOPROXY="file://$proxy,file://$modcache/cache/download,$(go env GOPROXY)"
export GOMODCACHE=$work/modcache GONOSUMDB=$core GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local
go -C "$app" mod init example.com/app >/dev/null 2>&1
# The checksums this repository's modules already verified (go mod download
# checked them against the checksum database), so the check runs offline.
sort -u go.sum redisstore/go.sum devcloudotel/go.sum >"$app/go.sum"

# consumer STEP GET...: go get the modules, tidy, build, show what was
# chosen. Each step returns on failure, so that the caller may explain one
# (set -e does not reach into a function called as an if's condition).
consumer() {
  echo "== consumer build $1"
  shift
  go -C "$app" get "$@" || return 1
  go -C "$app" mod tidy || return 1
  if grep -nE '^\s*replace' "$app/go.mod"; then echo "the scratch module must not need a replace"; return 1; fi
  go -C "$app" build -o /dev/null . || return 1
  go -C "$app" list -m -f '  {{.Path}} {{.Version}}' "$core" "$core/redisstore" "$core/devcloudotel"
}
if [ -n "$pinned" ]; then
  if ! consumer "1: the integrations at HEAD, the core at the version they require" \
    "$core/redisstore@$head" "$core/devcloudotel@$head"; then
    echo "an application that requires only the integrations gets the core at the version their"
    echo "go.mod requires, and it lacks what they use: require a newer commit of main, as in"
    echo "  go -C redisstore mod edit -require=$core@v0.0.0-YYYYMMDDhhmmss-abcdefabcdef"
    echo "(the commit's pseudo-version; README.md, Modules and releases)"
    exit 1
  fi
fi
consumer "2: every module at HEAD" "$core@$head" || exit 1
