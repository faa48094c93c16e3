#!/bin/sh
# Creates the namespace the service uses and its search attributes (SourceId and SourceStatus, Keyword),
# once the Temporal server answers. Idempotent.
set -eu

ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
RETENTION=${TEMPORAL_RETENTION:-168h}
SEARCH_ATTRIBUTES="SourceId SourceStatus"

# retry <attempts> <command...>: the server needs a moment after it opens its port, and a new namespace
# takes a moment to reach every frontend's cache.
retry() {
  attempts=$1
  shift
  n=1
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then
      echo "giving up after $n attempts: $*" >&2
      return 1
    fi
    n=$((n + 1))
    sleep 2
  done
}

echo "waiting for Temporal at $ADDRESS"
retry 60 temporal operator cluster health --address "$ADDRESS"

if temporal operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  retry 10 temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" --address "$ADDRESS"
fi

existing=$(retry 10 temporal operator search-attribute list --namespace "$NAMESPACE" --address "$ADDRESS")
for name in $SEARCH_ATTRIBUTES; do
  if echo "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    retry 10 temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type Keyword \
      --address "$ADDRESS"
  fi
done
echo "namespace $NAMESPACE is ready"
