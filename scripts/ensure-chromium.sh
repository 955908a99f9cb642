#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (a test tool's own browser download cannot run here).
# Installs it when missing and this user can; otherwise says what to do. Runs before `npm test`.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "installing chromium for the browser tests (apt-get)…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) && exit 0
fi
echo "warning: /usr/bin/chromium is missing and could not be installed; the dashboard browser tests will fail." >&2
echo "         install it with: sudo apt-get install -y chromium" >&2
exit 0
