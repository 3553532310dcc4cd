#!/usr/bin/env bash
# Train a model only when config.yml, domain/ or data/ changed since the last trained model.
# The fingerprint of those inputs is stored next to the models (models/.inputs.sha256).
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/env.sh
fingerprint="$(find config.yml domain data -type f -name '*.yml' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
stamp=models/.inputs.sha256
# While several people develop side by side, NO_TRAIN=1 reuses the existing model whatever changed.
if [ "${NO_TRAIN:-}" = "1" ] && ls models/*.tar.gz >/dev/null 2>&1; then
  echo "NO_TRAIN=1 : modèle existant réutilisé ($(ls -t models/*.tar.gz | head -n 1))"
  exit 0
fi
# One training at a time.
exec 9>models/.train.lock
flock 9
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fingerprint" ] \
   && ls models/*.tar.gz >/dev/null 2>&1; then
  echo "Modèle à jour : $(ls -t models/*.tar.gz | head -n 1)"
  exit 0
fi
echo "Entraînement du modèle (données ou configuration modifiées)…"
python -m rasa_patches train --domain domain --data data --config config.yml --out models --fixed-model-name "cloud-au-centre-$(date +%Y%m%d-%H%M%S)"
echo "$fingerprint" > "$stamp"
