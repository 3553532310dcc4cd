# Operations (ops/): backups of the running assistant, fault drills (docs/production.md, docs/reliability.md).
#   make backup                     a dated archive of the conversations, the console's database and the
#                                   models, while the assistant runs (ops/backup.sh; BACKUP_DIR, default backups/)
#   make restore ARCHIVE=…          brings an archive back, on a stopped assistant only
#   make chaos                      the fault drills under load on the production profile (about 10 min,
#                                   the whole machine; not part of make test, whose short drill is
#                                   tests/prod/test_drills.py): table in results/chaos.md
.PHONY: backup restore chaos

backup:
	@ops/backup.sh save

restore:
	@ops/backup.sh restore "$(ARCHIVE)"

chaos: train prod-packages console-install bench-venv
	@.venv-bench/bin/python benchmarks/chaos.py
