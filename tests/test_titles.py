"""Every page inside the app shell: its own title in the tab and the top bar, breadcrumbs back
from plan, task and comune pages, and the logout labelled "Esci"."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from flows.lists import ArchiveView, InboxView, QueueView
from tests.factories import PlanFactory
from tests.flows.helpers import open_task, process_url, url

pytestmark = pytest.mark.django_db

TOP_BAR = re.compile(r'<span class="mdc-top-app-bar__title">\s*(.*?)\s*</span>', re.S)
TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.S)


class _Crumbs(HTMLParser):
    """The breadcrumbs of a page: (text, link or None, whether marked as this page)."""

    def __init__(self):
        super().__init__()
        self.navs, self.crumbs, self._in_nav, self._item = [], [], False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and "plm-breadcrumbs" in attrs.get("class", ""):
            self._in_nav = True
            self.navs.append(attrs.get("aria-label"))
        elif self._in_nav and tag == "li":
            self._item = {"text": "", "href": None, "current": False}
        elif self._item is not None and tag == "a":
            self._item["href"] = attrs["href"]
        elif self._item is not None and attrs.get("aria-current") == "page":
            self._item["current"] = True

    def handle_endtag(self, tag):
        if tag == "li" and self._item is not None:
            self.crumbs.append(
                (self._item["text"].strip(), self._item["href"], self._item["current"])
            )
            self._item = None
        elif tag == "nav":
            self._in_nav = False

    def handle_data(self, data):
        if self._item is not None:
            self._item["text"] += data


def _crumbs(html):
    parser = _Crumbs()
    parser.feed(html)
    return parser


def _page(client, address):
    response = client.get(address)
    assert response.status_code == 200, address
    html = response.content.decode()
    return html, TITLE.search(html).group(1), TOP_BAR.search(html).group(1)


def test_the_plan_page_is_titled_by_the_plan_and_its_comune(client, flow_plan, lead):
    client.force_login(lead)

    html, title, top_bar = _page(client, process_url(flow_plan.process))

    assert title == "Piano – Saluzzo (CN) · PLM Workflow"
    assert top_bar == "Piano – Saluzzo (CN)"
    crumbs = _crumbs(html)
    assert crumbs.navs == ["Percorso di navigazione"]
    assert crumbs.crumbs == [("Piani", reverse("home:plans"), False), ("Saluzzo (CN)", None, True)]


@pytest.mark.parametrize("page", ["detail", "execute"])
def test_a_task_page_is_titled_by_the_task_and_leads_back_to_its_plan(
    client, flow_plan, coordinator, page
):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(task, "assign"))

    html, title, top_bar = _page(client, url(task, page))

    assert title == "Analisi dei fabbisogni – Saluzzo (CN) · PLM Workflow"
    assert top_bar == "Analisi dei fabbisogni – Saluzzo (CN)"
    assert _crumbs(html).crumbs == [
        ("Piani", reverse("home:plans"), False),
        ("Saluzzo (CN)", process_url(flow_plan.process), False),
        ("Analisi dei fabbisogni", None, True),
    ]


def test_a_task_s_sub_page_leads_back_to_the_task_and_its_plan(client):
    plan = PlanFactory(at="convene_tables", comune__name="Saluzzo", comune__province_code="CN")
    task = open_task(plan)
    client.force_login(task.owner)

    html, title, top_bar = _page(client, url(task, "page_table_new"))

    assert title == "Aggiungi un tavolo – Saluzzo (CN) · PLM Workflow"
    assert top_bar == "Aggiungi un tavolo – Saluzzo (CN)"
    assert _crumbs(html).crumbs == [
        ("Piani", reverse("home:plans"), False),
        ("Saluzzo (CN)", process_url(plan.process), False),
        (task.title, url(task, "index"), False),
        ("Aggiungi un tavolo", None, True),
    ]


def test_the_comune_page_is_inside_the_shell(client, flow_plan, lead):
    client.force_login(lead)

    html, title, top_bar = _page(client, reverse("comune", args=["004203"]))

    assert title == "Comune di Saluzzo (CN) · PLM Workflow"
    assert top_bar == "Comune di Saluzzo (CN)"
    assert "Django Material" not in html
    assert 'class="vf-page__menu' in html  # the side menu
    assert f'href="{reverse("home:inbox")}"' in html
    assert _crumbs(html).crumbs == [
        ("Piani", reverse("home:plans"), False),
        ("Comune di Saluzzo (CN)", None, True),
    ]


@pytest.mark.parametrize(
    ("address", "view"),
    [
        ("home:inbox", InboxView),
        ("home:queue", QueueView),
        ("home:archive", ArchiveView),
        ("home:plans", None),
        ("home:index", None),
    ],
)
def test_each_page_of_the_menu_has_its_own_title_and_no_breadcrumbs(client, lead, address, view):
    client.force_login(lead)
    name = {"home:plans": "Piani", "home:index": "Home"}.get(address) or str(view.title)

    html, title, top_bar = _page(client, reverse(address))

    assert (title, top_bar) == (f"{name} · PLM Workflow", name)
    assert _crumbs(html).navs == []


def test_the_top_bar_no_longer_says_home_on_every_page(client, flow_plan, lead):
    client.force_login(lead)

    _html, _title, top_bar = _page(client, reverse("home:inbox"))

    assert top_bar != "Home"


def test_the_logout_reads_esci_and_the_menu_buttons_are_named(client, lead):
    client.force_login(lead)

    html, _title, _top_bar = _page(client, reverse("home:index"))

    logout = re.search(r'<form method="post" action="/accounts/logout/".*?</form>', html, re.S)
    assert logout and '<span class="mdc-list-item__content">Esci</span>' in logout.group(0)
    assert "Annulla l&#x27;accesso" not in html and "Annulla l'accesso" not in html
    assert 'aria-label="Apri il menu"' in html
    assert 'aria-label="Menu dell\'account"' in html


def test_english_pages_are_titled_in_english(client, flow_plan, lead):
    client.force_login(lead)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html, title, top_bar = _page(client, process_url(flow_plan.process))

    assert (title, top_bar) == ("Plan – Saluzzo (CN) · PLM Workflow", "Plan – Saluzzo (CN)")
    assert _crumbs(html).crumbs[0] == ("Plans", reverse("home:plans"), False)
    assert ">Log out<" in html
