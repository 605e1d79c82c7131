"""Assemble the FROM scratch wasm image without a container daemon.

    python -m devtools.oci_image

buildah (vfs storage, in a private temporary root) builds the Dockerfile's
`wasm` target from the component that `make build` made, for platform
wasi/wasm, and writes it as an OCI archive. The sizes go to a JSON file that
the benchmark reads.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile

from devtools.servers import ROOT

DIST = ROOT / "wasm-build" / "dist"
ARCHIVE = DIST / "orders-wasm-oci.tar"
SIZES = DIST / "oci-wasm-image.json"
TAG = "localhost/orders-service:0.1.0-wasm"
INSTALL_HINT = "buildah is needed to assemble the wasm image: `sudo apt-get install buildah` (Debian/Ubuntu)"


def build() -> dict[str, object]:
    buildah = shutil.which("buildah")
    if buildah is None:
        raise RuntimeError(INSTALL_HINT)
    if not (DIST / "orders.wasm").exists():
        raise RuntimeError("wasm-build/dist/orders.wasm is missing: run `make build` first")
    with tempfile.TemporaryDirectory(prefix="orders-buildah-") as storage:
        store = [f"--root={storage}/root", f"--runroot={storage}/run", "--storage-driver=vfs"]
        subprocess.run(
            [
                buildah,
                *store,
                "build",
                "--quiet",
                "--platform=wasi/wasm",
                "--target=wasm",
                "--build-arg=COMPONENT_STAGE=prebuilt",
                f"--tag={TAG}",
                str(ROOT),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        ARCHIVE.unlink(missing_ok=True)
        subprocess.run([buildah, *store, "push", "--quiet", TAG, f"oci-archive:{ARCHIVE}"], check=True)
    sizes: dict[str, object] = {
        "image": TAG,
        "how": "buildah build --platform wasi/wasm --target wasm (vfs storage), pushed to an OCI archive",
        "oci_archive_bytes": ARCHIVE.stat().st_size,
        "component_bytes": (DIST / "orders.wasm").stat().st_size,
    }
    SIZES.write_text(json.dumps(sizes, indent=2) + "\n")
    return sizes


if __name__ == "__main__":
    try:
        print(json.dumps(build(), indent=2))
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"oci_image: {error}", file=sys.stderr)
        sys.exit(1)
