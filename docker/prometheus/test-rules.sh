#!/bin/sh
# `npm run test:alerts`: validates the Prometheus and Alertmanager configuration and runs the
# alert-rule unit tests (alerts.test.yml) with promtool. promtool comes from Debian's
# `prometheus` package; when it is missing and we may install packages, it is installed. When it
# cannot be had, a schema check runs instead and says plainly what it did NOT check.
set -eu
cd "$(dirname "$0")"

if ! command -v promtool >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
  && [ "$(id -u)" = "0" ]; then
  echo "promtool not found: installing Debian's prometheus package (apt-get)..."
  if ! (apt-get install -y -qq prometheus >/tmp/test-alerts-apt.log 2>&1 \
    || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq prometheus >/tmp/test-alerts-apt.log 2>&1)); then
    echo "apt-get could not install prometheus (see /tmp/test-alerts-apt.log)."
  fi
fi

if command -v promtool >/dev/null 2>&1; then
  promtool --version | head -1
  promtool check rules alerts.yml
  # --syntax-only: the bearer-token file only exists inside the container.
  promtool check config --syntax-only prometheus.yml
  promtool test rules alerts.test.yml
  if command -v amtool >/dev/null 2>&1; then
    amtool check-config ../alertmanager/alertmanager.yml
  else
    echo "amtool not found (Debian: prometheus-alertmanager): alertmanager.yml not checked."
  fi
  # Beyond promtool: each alert has a runbook section in docs/monitoring.md and a test.
  node check-rules-schema.mjs alerts.yml alerts.test.yml
  echo "test:alerts: rules checked and every rule test passed (promtool)."
else
  echo "WARNING: promtool is not available. Falling back to a schema check of alerts.yml:"
  echo "  PromQL expressions are NOT parsed and the rule tests in alerts.test.yml did NOT run."
  node check-rules-schema.mjs alerts.yml alerts.test.yml
fi
