"""Suite-wide test configuration."""

import os

from hypothesis import HealthCheck, settings

# Shared machines are noisy: a deadline would fail tests on timing, not on behaviour.
settings.register_profile("default", deadline=None)
settings.register_profile(
    "ci", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")
