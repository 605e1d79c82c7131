"""Runs inside python.wasm at build time, on the unpruned tree: imports the given
module (the entry, which imports up front what the service would import only
later: service/preload.py) and prints every module then loaded, one per line:
NAME ORIGIN. build.sh keeps just those of the stdlib.

Nothing else is imported here, so the list holds only what the service needs.
"""

import sys

for name in sys.argv[1:]:
    __import__(name)
for name, module in sorted(sys.modules.items()):
    print(name, getattr(getattr(module, "__spec__", None), "origin", None))
