# Orientation sheet (sheets/, issue 24): the PDF of a scope check's verdict, built when asked for.
#   make check-sheets   texts, access rules and the PDF itself (tagged, A4, one page, read back by pdftotext)
#   make bench-sheet    time to build a sheet (p50, p95), also printed by make bench-quick
#   make run            also starts sheets/serve.sh (loopback :5057)
INSTALL_TARGETS += sheets-install
CHECK_TARGETS += check-sheets
RUN_SERVICES += sheets/serve.sh

.PHONY: sheets-install check-sheets bench-sheet

sheets-install:
	@sheets/install.sh --dev

check-sheets: sheets-install venv
	$(VENV)/bin/mypy --python-executable .venv-sheets/bin/python sheets/sheet_service
	cd sheets && ../.venv-sheets/bin/python -m pytest -q -p no:cacheprovider tests

bench-sheet: sheets-install
	@cd sheets && ../.venv-sheets/bin/python -m sheet_service.bench
bench-quick: bench-sheet
