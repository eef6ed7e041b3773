"""Dates in prose with their article, in both languages (UI.md: "all'8 marzo", "il 1° marzo")."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from plm_workflow.formats.prose import (
    english_ordinal,
    prose_date,
    prose_moment,
    prose_month_day,
    prose_range,
    prose_weekday_date,
    short_date,
)

D = datetime.date


@pytest.mark.parametrize(
    ("day", "how", "italian", "english"),
    [
        # the 1st: "1°", and the plain article
        (D(2027, 3, 1), "", "1° marzo 2027", "1 March 2027"),
        (D(2027, 3, 1), "the", "il 1° marzo 2027", "1 March 2027"),
        (D(2027, 3, 1), "on", "il 1° marzo 2027", "on 1 March 2027"),
        (D(2027, 3, 1), "to", "al 1° marzo 2027", "to 1 March 2027"),
        (D(2027, 3, 1), "from", "dal 1° marzo 2027", "from 1 March 2027"),
        # the 8th and the 11th elide
        (D(2027, 3, 8), "", "8 marzo 2027", "8 March 2027"),
        (D(2027, 3, 8), "on", "l'8 marzo 2027", "on 8 March 2027"),
        (D(2027, 3, 8), "to", "all'8 marzo 2027", "to 8 March 2027"),
        (D(2027, 3, 8), "from", "dall'8 marzo 2027", "from 8 March 2027"),
        (D(2027, 3, 8), "by", "entro l'8 marzo 2027", "by 8 March 2027"),
        (D(2027, 3, 8), "of", "dell'8 marzo 2027", "of 8 March 2027"),
        (D(2027, 3, 11), "on", "l'11 marzo 2027", "on 11 March 2027"),
        (D(2027, 3, 11), "to", "all'11 marzo 2027", "to 11 March 2027"),
        (D(2027, 3, 11), "from", "dall'11 marzo 2027", "from 11 March 2027"),
        # a day like most
        (D(2027, 3, 2), "on", "il 2 marzo 2027", "on 2 March 2027"),
        (D(2027, 3, 2), "to", "al 2 marzo 2027", "to 2 March 2027"),
        (D(2027, 3, 2), "from", "dal 2 marzo 2027", "from 2 March 2027"),
        (D(2027, 3, 2), "by", "entro il 2 marzo 2027", "by 2 March 2027"),
        (D(2027, 3, 2), "of", "del 2 marzo 2027", "of 2 March 2027"),
        # 18 and 80-something look alike but do not elide ("il 18": diciotto)
        (D(2027, 3, 18), "to", "al 18 marzo 2027", "to 18 March 2027"),
    ],
)
def test_a_date_takes_the_article_of_its_day_in_each_language(day, how, italian, english):
    with translation.override("it"):
        assert prose_date(day, how) == italian
    with translation.override("en"):
        assert prose_date(day, how) == english


@pytest.mark.parametrize(
    ("day", "how", "italian", "english"),
    [
        (D(2027, 3, 8), "to", "all'8", "to the 8th"),
        (D(2027, 3, 11), "to", "all'11", "to the 11th"),
        (D(2027, 3, 2), "to", "al 2", "to the 2nd"),
        (D(2027, 3, 1), "from", "dal 1°", "from the 1st"),
        (D(2027, 3, 6), "the", "il 6", "the 6th"),
        (D(2027, 3, 8), "the", "l'8", "the 8th"),
    ],
)
def test_the_day_alone_keeps_its_article(day, how, italian, english):
    with translation.override("it"):
        assert prose_date(day, how, month=False) == italian
    with translation.override("en"):
        assert prose_date(day, how, month=False) == english


def test_the_year_may_be_left_out():
    with translation.override("it"):
        assert prose_date(D(2027, 3, 8), "on", year=False) == "l'8 marzo"
    with translation.override("en"):
        assert prose_date(D(2027, 3, 8), "on", year=False) == "on 8 March"


@pytest.mark.parametrize(
    ("start", "end", "italian", "english"),
    [
        (
            D(2027, 2, 15),
            D(2027, 3, 8),
            "dal 15 febbraio all'8 marzo 2027",
            "from 15 February to 8 March 2027",
        ),
        (D(2027, 3, 6), D(2027, 3, 8), "dal 6 all'8 marzo 2027", "from 6 to 8 March 2027"),
        (D(2027, 3, 1), D(2027, 3, 11), "dal 1° all'11 marzo 2027", "from 1 to 11 March 2027"),
        (
            D(2026, 12, 24),
            D(2027, 1, 11),
            "dal 24 dicembre 2026 all'11 gennaio 2027",
            "from 24 December 2026 to 11 January 2027",
        ),
    ],
)
def test_a_move_says_what_the_two_dates_share_once(start, end, italian, english):
    with translation.override("it"):
        assert prose_range(start, end) == italian
    with translation.override("en"):
        assert prose_range(start, end) == english


def test_a_day_of_every_year_is_in_words():
    with translation.override("it"):
        assert prose_month_day(8, 3) == "8 marzo"
        assert prose_month_day(1, 5) == "1° maggio"
        assert prose_month_day(29, 2) == "29 febbraio"
        assert prose_month_day(None, None) == ""
    with translation.override("en"):
        assert prose_month_day(8, 3) == "8 March"


def test_english_ordinals():
    assert [english_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"
    ]  # fmt: skip


def test_an_unknown_preposition_is_a_programming_error():
    with pytest.raises(ValueError, match="how is one of"):
        prose_date(D(2027, 3, 8), "until")


def test_a_missing_date_is_empty_and_a_datetime_is_its_day():
    assert prose_date(None, "to") == ""
    with translation.override("it"):
        moment = datetime.datetime(2027, 3, 8, 10, 30)
        assert prose_date(moment, "on") == "l'8 marzo 2027"


def test_the_template_filters_write_the_same_words():
    template = Template(
        "{% load words %}{{ day|prose_date }} | {{ day|prose_date:'to' }} | "
        "{{ day|prose_date:'on no-year' }} | {{ day|prose_date:'to no-month' }} | "
        "{{ start|prose_range:day }} | {{ 8|month_day:3 }}"
    )
    context = Context({"day": D(2027, 3, 8), "start": D(2027, 2, 15)})
    with translation.override("it"):
        assert template.render(context) == (
            "8 marzo 2027 | all&#x27;8 marzo 2027 | l&#x27;8 marzo | all&#x27;8 | "
            "dal 15 febbraio all&#x27;8 marzo 2027 | 8 marzo"
        )
    with translation.override("en"):
        assert template.render(context) == (
            "8 March 2027 | to 8 March 2027 | on 8 March | to the 8th | "
            "from 15 February to 8 March 2027 | 8 March"
        )


def test_a_moment_is_in_words_in_rome_time():
    # 1 March 2027, 09:15 UTC is 10:15 in Rome (winter time).
    moment = datetime.datetime(2027, 3, 1, 9, 15, tzinfo=datetime.UTC)
    with translation.override("it"):
        assert prose_moment(moment) == "1° marzo 2027, 10:15"
    with translation.override("en"):
        assert prose_moment(moment) == "1 March 2027, 10:15"
    assert prose_moment(None) == ""


def test_a_short_date_is_day_first_in_both_languages():
    for language in ("it", "en"):
        with translation.override(language):
            assert short_date(D(2027, 3, 8)) == "08/03/2027"
    assert short_date(None) == ""


def test_a_notifications_date_carries_its_weekday():
    with translation.override("it"):
        assert prose_weekday_date(D(2027, 3, 1)) == "lunedì 1° marzo 2027"
    with translation.override("en"):
        assert prose_weekday_date(D(2027, 3, 1)) == "Monday 1 March 2027"
    assert prose_weekday_date(None) == ""
