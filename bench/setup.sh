#!/usr/bin/env bash
# Idempotent: installs the Python peers the model benchmarks compare against (Debian's
# XGBoost, scikit-learn and pandas for /usr/bin/python3). Does nothing when present.
set -euo pipefail
if /usr/bin/python3 -c 'import xgboost, sklearn, numpy, pandas' >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "bench/setup.sh: need root to apt-get install python3-xgboost python3-sklearn python3-pandas" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-xgboost python3-sklearn python3-pandas >/dev/null
/usr/bin/python3 -c 'import xgboost, sklearn, pandas; print("peers: xgboost", xgboost.__version__, "sklearn", sklearn.__version__, "pandas", pandas.__version__)' >&2
