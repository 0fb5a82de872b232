"""Lanner's built-in tasks, registered through the ``lanner.plugins`` entry point like any plugin.

Every module of this package is imported here so the registry finds each task class.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
