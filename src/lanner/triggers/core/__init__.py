"""Lanner's built-in triggers, registered through the ``lanner.plugins`` entry point.

Every module of this package is imported here so the registry finds each trigger class.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
