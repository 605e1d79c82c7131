"""The README's tables and the serve scripts follow their single sources:
the route table and the settings' declarations."""

from __future__ import annotations

import re

from devtools import readme
from devtools.servers import SERVE_WASM, SERVE_WASMEDGE
from orders.config import ENVIRONMENT


def test_the_readme_tables_are_generated_from_the_code() -> None:
    text = readme.README.read_text()
    assert readme.render(text) == text, "README.md is stale: run `make readme`"


def passed_by_name(script: str) -> list[str]:
    """The variable names a serve script hands to the guest."""
    listing = re.search(r"^for name in (.*?); do", script, flags=re.MULTILINE | re.DOTALL)
    assert listing is not None
    return listing.group(1).replace("\\", " ").split()


def test_the_wasm_guests_get_every_setting_by_name() -> None:
    for script in (SERVE_WASM, SERVE_WASMEDGE):
        assert passed_by_name(script.read_text()) == list(ENVIRONMENT), script


def test_the_readme_states_the_component_servers_defaults() -> None:
    """serve.sh holds the defaults; the README's table of server variables repeats them."""
    defaults = dict(re.findall(r"\$\{(WASM_[A-Z_]+):-([^$}]+)\}", SERVE_WASM.read_text()))
    assert set(defaults) == {"WASM_INSTANCE_REUSE", "WASM_IDLE_INSTANCE_TIMEOUT"}, defaults
    text = readme.README.read_text()
    for name, default in defaults.items():
        row = re.search(rf"^\| `{name}` \|.*\(default `?{re.escape(default)}`?[;)]", text, flags=re.MULTILINE)
        assert row is not None, f"README.md does not give {name}'s default as {default}"
