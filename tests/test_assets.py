"""Only the scripts and style sheets a page uses: viewflow's graph library (vis-network) and
its second copy of perfect-scrollbar are left out."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.flows.helpers import process_url

pytestmark = pytest.mark.django_db

STATIC = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="/static/([^"]+)"')
SCRIPTS = ["viewflow/js/turbo.es2017-umd.js", "viewflow/js/viewflow.min.js"]
# Every page loaded 1,485,125 bytes of CSS and JavaScript (vis-network.min.js 406,627 and
# perfect-scrollbar.min.js 20,187 of them); 1,058,311 now.
BUDGET = 1_100_000


def _assets(client, address):
    response = client.get(address)
    assert response.status_code == 200
    return STATIC.findall(response.content.decode())


def _bytes(paths) -> int:
    """The size of each file as collectstatic would find it."""
    return sum(Path(finders.find(path)).stat().st_size for path in paths)


def test_the_plan_page_loads_only_turbo_and_viewflow_s_own_script(client, flow_plan, lead):
    client.force_login(lead)

    paths = _assets(client, process_url(flow_plan.process))

    assert [path for path in paths if path.endswith(".js")] == SCRIPTS
    assert _bytes(paths) < BUDGET


def test_the_login_page_loads_the_same_scripts(client):
    paths = _assets(client, reverse("login"))

    assert [path for path in paths if path.endswith(".js")] == SCRIPTS
    assert _bytes(paths) < BUDGET
