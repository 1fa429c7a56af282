#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain; does nothing when it is already there.
# - chromium and a Chinese font (fonts-noto-cjk): the route-sheet browser check prints a sheet to PDF and PNG (api/tests/browser.rs);
# - chromium-driver (ChromeDriver): the console's end-to-end tests drive Chromium through it (api/tests/e2e.rs);
#   without them those tests are listed as ignored with the reason, so a machine without apt still passes (not under CI=true).
set -euo pipefail
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver fonts-noto-cjk
    else
        echo "install-deps: chromium missing and apt-get unavailable (not root?); the browser check will skip" >&2
    fi
fi
