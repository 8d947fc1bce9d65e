"""Artifact modules and the default registry.

Every module under ``extractor/artifacts/<platform>/`` that defines ``SPEC`` (an ``ArtifactSpec``) and a
module-level ``parse(item, ctx)`` is an artifact; modules may instead define ``ARTIFACTS``, a sequence of
``(spec, parse)`` pairs, when one parser serves several sources. Discovery is automatic, so adding an
artifact never means editing a central list; the registry still refuses duplicate ids.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from extractor.artifacts.spec import ArtifactRegistry, ArtifactSpec

_PLATFORM_PACKAGES = ("extractor.artifacts.android", "extractor.artifacts.ios", "extractor.artifacts.common")


@lru_cache(maxsize=1)
def default_registry() -> ArtifactRegistry:
    registry = ArtifactRegistry()
    for package_name in _PLATFORM_PACKAGES:
        package = importlib.import_module(package_name)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            module = importlib.import_module(f"{package_name}.{info.name}")
            spec = getattr(module, "SPEC", None)
            if isinstance(spec, ArtifactSpec):
                registry.register(spec, module.parse)
            for extra_spec, parse in getattr(module, "ARTIFACTS", ()):
                registry.register(extra_spec, parse)
    return registry
