# Operations (ops/): backups of the running assistant, fault drills (docs/production.md, docs/reliability.md).
#   make backup                     a dated archive of the conversations, the console's database and the
#                                   models, while the assistant runs (ops/backup.sh; BACKUP_DIR, default backups/)
#   make restore ARCHIVE=…          brings an archive back, on a stopped assistant only
.PHONY: backup restore

backup:
	@ops/backup.sh save

restore:
	@ops/backup.sh restore "$(ARCHIVE)"
