"""The ``rabbitmq`` extra: importing the adapter without aio-pika says which extra installs it."""

from __future__ import annotations

import importlib

__all__: list[str] = []

try:
    importlib.import_module("aio_pika")
except ModuleNotFoundError as error:
    _MESSAGE = (
        "creativeflow_shared.infrastructure.rabbitmq needs aio-pika: "
        "pip install 'creativeflow-shared-backend[rabbitmq]'"
    )
    raise ModuleNotFoundError(_MESSAGE, name="aio_pika") from error
