"""Seamline: one shared standard of safe practice across a network of care organisations."""

from seamline import compiled as _compiled

__version__ = "0.1.0"

# The rota gate's compiled modules, when built and current (`seamline.compiled`, ADR 0016).
_compiled.install()
