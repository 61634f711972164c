"""CreativeFlow shared backend kernel.

The root package holds only the version: import the layer you need
(``creativeflow_shared.domain``, ``creativeflow_shared.testing``, ...), so that importing the
domain never pulls in persistence or transport libraries.
"""

__version__ = "0.1.0"
