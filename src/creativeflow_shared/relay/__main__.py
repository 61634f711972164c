"""``python -m creativeflow_shared.relay``: the ``creativeflow-relay`` command."""

import sys

from creativeflow_shared.relay._cli import main

if __name__ == "__main__":
    sys.exit(main())
