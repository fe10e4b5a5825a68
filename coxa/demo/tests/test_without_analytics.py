"""`coxa demo` without the analytics extra: everything but the synthetic registry extract."""

import pytest

from coxa.analytics.tests.test_extra import without_extra  # noqa: F401 (a fixture)
from coxa.demo.tests.test_resume import PATIENTS, demo, extracts  # noqa: F401 (a fixture)
from coxa.patients.models import Patient


@pytest.mark.django_db
@pytest.mark.usefixtures("without_extra")
def test_without_the_analytics_extra_the_demo_loads_and_skips_only_the_extract(extracts):  # noqa: F811
    said = demo()
    assert f"Loaded {PATIENTS} demo patients" in said
    assert (
        "Skipped the synthetic registry extract. Analytics needs Coxa's analytics extra: "
        "pip install 'coxa[analytics]'"
    ) in said
    assert "Demo logins" in said
    assert Patient.objects.filter(hospital_number__startswith="D").exists()
    assert list(extracts.iterdir()) == []
