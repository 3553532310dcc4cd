#!/usr/bin/env bash
# Install the orientation sheet service (sheets/, docs/design.md « Fiche d'orientation »), through ops/install.sh:
#   sheets/install.sh         Debian's Pango and fonts (WeasyPrint's), the venv .venv-sheets
#   sheets/install.sh --dev   also the test tools and poppler-utils (pdftotext, pdfinfo: the tests read the PDF)
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
case "${1:-}" in
  "") ops/install.sh debian "${packages[@]}"
      ops/install.sh venv .venv-sheets sheets/requirements.txt ;;
  --dev) ops/install.sh debian "${packages[@]}" poppler-utils
      ops/install.sh venv .venv-sheets sheets/requirements.txt sheets/requirements-dev.txt ;;
  *) echo "usage : sheets/install.sh [--dev]" >&2; exit 2 ;;
esac
