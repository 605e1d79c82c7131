"""The README's generated tables: the API from the route table, and the
configuration from the settings' declarations.

    python -m devtools.readme        (make readme)

rewrites them in place, between their markers. tests/unit/test_readme.py
fails when the README is stale.
"""

from __future__ import annotations

import re
import sys

from devtools.servers import ROOT
from orders.api import ROUTES
from orders.config import documented_environment

README = ROOT / "README.md"


def api_table() -> str:
    lines = ["| route | what it does | answers |", "|---|---|---|"]
    for route in ROUTES:
        statuses = ", ".join(str(status) for status in route.documented_replies)
        lines.append(f"| `{route.method} {route.template}` | {route.summary} | {statuses} |")
    return "\n".join(lines)


def configuration_table() -> str:
    lines = ["| variable | meaning | default |", "|---|---|---|"]
    for name, description, default in documented_environment():
        shown = f"`{default}`" if default else "unset"
        lines.append(f"| `{name}` | {description} | {shown} |")
    return "\n".join(lines)


SECTIONS = {"api": api_table, "configuration": configuration_table}


def render(readme: str) -> str:
    """`readme` with every generated section made anew."""
    for name, table in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated: {name} -->\n).*?(<!-- end: {name} -->)", flags=re.DOTALL)
        if not pattern.search(readme):
            raise ValueError(f"README.md lacks the markers of the generated {name} section")
        readme = pattern.sub(rf"\g<1>{_escaped(table())}\n\g<2>", readme)
    return readme


def _escaped(text: str) -> str:
    """`text` as a literal in a re.sub replacement."""
    return text.replace("\\", "\\\\")


def main() -> int:
    README.write_text(render(README.read_text()))
    print("readme: API and configuration tables regenerated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
