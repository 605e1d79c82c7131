"""Modules the service imports only on its first request, imported now.

componentize-py snapshots the component after its adapter's imports, and the
WasmEdge build keeps only the modules its entry imports: a module first
imported later would be missing from either. Both adapters import this.
"""

# PyMySQL encodes the host name with idna when it connects ("unknown encoding:
# idna" without it); HTTP headers are Latin-1.
import encodings.idna
import encodings.latin_1  # noqa: F401
