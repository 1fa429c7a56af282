#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain; does nothing when it is already there.
# - chromium and a Chinese font (fonts-noto-cjk): the route-sheet browser check prints a sheet to PDF and PNG (api/tests/browser.rs);
#   without it that test skips with a note, so a machine without apt still passes.
set -euo pipefail
if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk
    else
        echo "install-deps: chromium missing and apt-get unavailable (not root?); the browser check will skip" >&2
    fi
fi
