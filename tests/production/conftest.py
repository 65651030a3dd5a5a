"""The production tests start real processes with the helpers of the live tests (tests/live/live_sites.py)."""

import sys
from pathlib import Path

LIVE = str(Path(__file__).resolve().parent.parent / "live")
if LIVE not in sys.path:
    sys.path.insert(0, LIVE)
