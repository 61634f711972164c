"""The ``http`` extra: importing the clients without httpx or stamina names the extra."""

from __future__ import annotations

import importlib

__all__: list[str] = []

for _module in ("httpx", "stamina"):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as error:
        _MESSAGE = (
            f"creativeflow_shared.clients needs {_module}: "
            "pip install 'creativeflow-shared-backend[http]'"
        )
        raise ModuleNotFoundError(_MESSAGE, name=_module) from error
