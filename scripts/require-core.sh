#!/usr/bin/env bash
# Points the integration modules (redisstore, devcloudotel) at the core
# module as of commit REV (default HEAD): its pseudo-version, the version an
# application that requires only an integration then gets. Run it, and
# commit the go.mod files, after a commit of the core that the integrations
# need; .ci/consumer.sh checks the required version holds what they use.
#
#   scripts/require-core.sh          # the core as of HEAD
#   scripts/require-core.sh v0.3.0   # a release tag
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-HEAD}"
if git rev-parse -q --verify "refs/tags/$rev" >/dev/null; then
  version=$rev
else
  version=$(printf 'v0.0.0-%s-%s' "$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S "$rev")" \
    "$(git rev-parse --short=12 "$rev")")
fi
for m in redisstore devcloudotel; do
  go -C "$m" mod edit -require="github.com/devcloud/devcloud-go@$version"
  echo "$m requires github.com/devcloud/devcloud-go@$version"
done
