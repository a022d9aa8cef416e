"""The local stack. Like Lambda's /opt/python, the shared layer is importable."""

import sys
from pathlib import Path

_LAYER = str(Path(__file__).resolve().parents[2] / "layers" / "shared" / "python")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
