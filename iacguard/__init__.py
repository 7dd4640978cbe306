"""iacguard: infrastructure-as-code policy scanner. Public API re-exported here."""

from iacguard.checks import CheckContext, CheckRegistry, NoParams
from iacguard.config import Config
from iacguard.graph import ResourceGraph
from iacguard.loading import LoadContext, LoadProblem, LoadResult
from iacguard.model import (
    Edge,
    EdgeKind,
    Finding,
    Location,
    PolicyMeta,
    Provenance,
    Reference,
    Resource,
    ScanError,
    ScanResult,
    Severity,
    SourceSpan,
    Violation,
)
from iacguard.plugin import hookimpl, make_plugins
from iacguard.reporting import RenderOptions, ReporterRegistry
from iacguard.values import MISSING, Unknown, get, is_unknown, pointer

__all__ = [
    "MISSING",
    "CheckContext",
    "CheckRegistry",
    "Config",
    "Edge",
    "EdgeKind",
    "Finding",
    "LoadContext",
    "LoadProblem",
    "LoadResult",
    "Location",
    "NoParams",
    "PolicyMeta",
    "Provenance",
    "Reference",
    "RenderOptions",
    "ReporterRegistry",
    "Resource",
    "ResourceGraph",
    "ScanError",
    "ScanResult",
    "Severity",
    "SourceSpan",
    "Unknown",
    "Violation",
    "get",
    "hookimpl",
    "is_unknown",
    "make_plugins",
    "pointer",
]
