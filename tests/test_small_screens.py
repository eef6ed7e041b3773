"""Lists at 390 px wide: the task lists' rows stack, each cell labelled, instead of scrolling
sideways (checked in Chromium: document.documentElement.scrollWidth stays 390)."""

import re

import pytest
from django.urls import reverse

from tests.factories import PlanFactory
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("address", ["home:inbox", "home:archive"])
def test_each_cell_of_a_task_list_is_labelled_for_the_stacked_rows(client, address):
    # The coordinator holds the tables' task and has done the assessment.
    client.force_login(open_task(PlanFactory(at="convene_tables")).owner)

    html = client.get(reverse(address)).content.decode()

    table = re.search(r'<table class="([^"]*)">(.*?)</table>', html, re.S)
    assert table and "plm-stack" in table.group(1).split()
    cells = re.findall(r"<td\b([^>]*)>", table.group(2))
    assert cells and all("data-label=" in cell for cell in cells)
