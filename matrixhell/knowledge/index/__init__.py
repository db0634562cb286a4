"""Package-metadata providers: an offline snapshot, a simple index (directory or URL), a find-links folder."""

from matrixhell.knowledge.index.base import DistFile, MetadataProvider, ProjectVersion, normalize
from matrixhell.knowledge.index.findlinks import FindLinks
from matrixhell.knowledge.index.metadata import CoreMetadata, parse_core_metadata, read_dist_metadata
from matrixhell.knowledge.index.multi import ChainProvider
from matrixhell.knowledge.index.simple import SimpleIndex, default_cache_dir
from matrixhell.knowledge.index.snapshot import SnapshotIndex, default_snapshot

__all__ = [
    "ChainProvider",
    "CoreMetadata",
    "DistFile",
    "FindLinks",
    "MetadataProvider",
    "ProjectVersion",
    "SimpleIndex",
    "SnapshotIndex",
    "default_cache_dir",
    "default_snapshot",
    "normalize",
    "parse_core_metadata",
    "read_dist_metadata",
]
