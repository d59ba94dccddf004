#!/usr/bin/env bash
# Sets the workshop up on a running Orchard (ORCHARD_URL and ORCHARD_TOKEN as for any command):
#   1. the crawler `sales` over the landing folder, and its first run (the history);
#   2. the forecast dataset group `sales`;
#   3. the pipeline `sales-forecast` (pipeline.yaml), run once by hand for the first forecast;
#   4. the dashboard `sales-forecast` (dashboard.json) over that forecast;
#   5. the trigger `sales-landed`: it runs the crawler every $EVERY, and each run that finds new
#      files starts the pipeline with the new version of `sales_raw` as its `raw` parameter.
#
# Settings (environment):
#   LANDING   the landing folder (default: ./landing beside this script); the server's
#             ORCHARD_CRAWLER_ROOTS must include it
#   SOURCE    the crawler's source instead of the folder, e.g. s3://bucket/landing/sales/
#   EVERY     how often the trigger runs the crawler (default 1m; at least 10s)
#   ORCHARD   the command that runs the CLI (default: `orchard`, else `npx orchard`)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LANDING="${LANDING:-$HERE/landing}"
if [ -z "${SOURCE:-}" ]; then
  if [ ! -d "$LANDING" ]; then
    echo "setup.sh: no landing folder $LANDING; write the history first: node $HERE/generate.mjs --out $LANDING --weeks 8" >&2
    exit 2
  fi
  SOURCE="file://$(cd "$LANDING" && pwd)"
fi
EVERY="${EVERY:-1m}"
if [ -z "${ORCHARD:-}" ]; then
  if command -v orchard >/dev/null 2>&1; then ORCHARD=orchard; else ORCHARD="npx orchard"; fi
fi

orchard() {
  echo "+ orchard $*" >&2
  # ORCHARD may be several words (`npx orchard`): split on purpose. `command`: the program, not this function.
  # shellcheck disable=SC2086
  command $ORCHARD "$@"
}

echo "== 1. the crawler over $SOURCE" >&2
orchard crawlers create sales --from "$SOURCE" --dataset sales_raw --header --description "Order lines as the shops drop them"
orchard crawlers run sales --wait

echo "== 2. the forecast dataset group" >&2
orchard forecast groups create sales --frequency D --domain RETAIL

echo "== 3. the pipeline, and its first run" >&2
orchard pipelines create sales-forecast --file "$HERE/pipeline.yaml" --overlap queue
orchard pipelines start sales-forecast --param raw=sales_raw --wait

echo "== 4. the dashboard" >&2
orchard dashboards create sales-forecast --file "$HERE/dashboard.json"

echo "== 5. the trigger: new files -> new crawl version -> an execution" >&2
orchard triggers create sales-landed --pipeline sales-forecast --kind crawler --crawler sales --every "$EVERY" \
  --map raw=dataset --description "New sales files in the landing folder retrain and refresh the forecast"

echo "Ready. Drop a new week into $LANDING (node $HERE/generate.mjs --out $LANDING --week N) and watch:" >&2
echo "  orchard pipelines executions --pipeline sales-forecast" >&2
