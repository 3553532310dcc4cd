"""Fixes for defects of Rasa 3.6 itself, applied inside the Rasa server process.

Rasa only imports our code through the module paths of its configuration files, so these fixes are
applied by `stores/sql.py`, which every Rasa server of this project loads as its tracker store
(endpoints.yml, deploy/endpoints.prod.yml). Each fix keeps Rasa's behaviour and says what it costs.
"""

from rasa_patches import jsonschema_cache


def apply_all() -> None:
    """Install every fix; calling it again changes nothing."""
    jsonschema_cache.apply()
