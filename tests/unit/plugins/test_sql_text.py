"""SQL text handling shared by the SQL plugins: statement splitting, `:name` parameters, values as outputs and Ion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lanner.errors import TaskFailure
from lanner.plugins.duckdb.query import database_path, returns_rows
from lanner.plugins.jdbc import bind_parameters, split_statements, to_output
from lanner.plugins.jdbc.ion import ion_text
from lanner.plugins.postgres.connection import libpq_url


def test_statements_split_on_semicolons_outside_literals_and_comments() -> None:
    sql = """
    CREATE TABLE t (a text);  -- a comment; with a semicolon
    INSERT INTO t VALUES ('x;y'), (E'it\\'s;'), ($$a;b$$), ($tag$c;d$tag$);
    /* block; comment */ ;
    SELECT "odd;name" FROM t;;
    """

    assert split_statements(sql) == [
        "CREATE TABLE t (a text)",
        "-- a comment; with a semicolon\n    INSERT INTO t VALUES ('x;y'), (E'it\\'s;'), ($$a;b$$), ($tag$c;d$tag$)",
        'SELECT "odd;name" FROM t',
    ]


def test_named_parameters_become_driver_placeholders() -> None:
    sql = "SELECT :day, ':not_me', v::int, \"col:x\" FROM t WHERE a LIKE '10%' AND b = :day AND c = :n -- :ignored"

    assert bind_parameters(sql, {"day": "2024-01-01", "n": 3}, "format") == (
        "SELECT %s, ':not_me', v::int, \"col:x\" FROM t WHERE a LIKE '10%%' AND b = %s AND c = %s -- :ignored",
        ["2024-01-01", "2024-01-01", 3],
    )
    assert bind_parameters("SELECT :a", {"a": 1}, "qmark") == ("SELECT ?", [1])
    assert bind_parameters("SELECT '10%', :a", None, "format") == ("SELECT '10%', :a", None)


def test_a_parameter_missing_from_parameters_fails_with_the_known_names() -> None:
    with pytest.raises(TaskFailure, match=r":missing, which is not in `parameters` \(a, b\)") as caught:
        bind_parameters("SELECT :missing", {"a": 1, "b": 2}, "format")
    assert not caught.value.retryable


def test_values_become_json_friendly_outputs() -> None:
    row = {
        "int": Decimal("12"),
        "exact": Decimal("0.1"),
        "long": Decimal("12345678901234567890.123456789"),
        "ts": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "day": dt.date(2024, 1, 2),
        "span": dt.timedelta(days=1, hours=2, seconds=3),
        "blob": b"\x00\x01",
        "nested": {"list": (1, Decimal("2.5"))},
        "nan": float("nan"),
    }

    assert to_output(row) == {
        "int": 12,
        "exact": 0.1,
        "long": "12345678901234567890.123456789",
        "ts": "2024-01-02T03:04:05+00:00",
        "day": "2024-01-02",
        "span": "P1DT2H3S",
        "blob": "AAE=",
        "nested": {"list": [1, 2.5]},
        "nan": "nan",
    }


def test_rows_are_written_as_ion_text() -> None:
    row = {
        "id": 1,
        "name": 'a "b"',
        "amount": Decimal("12.50"),
        "count": Decimal("3"),
        "ok": True,
        "missing": None,
        "at": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "local": dt.datetime(2024, 1, 2, 3, 4, 5, 120000),
        "day": dt.date(2024, 1, 2),
        "ratio": 1.5,
        "raw": b"xy",
        "tags": ["a"],
        "odd name": {"null": 1},
    }

    assert ion_text(row) == (
        '{id:1,name:"a \\"b\\"",amount:12.50,count:3d0,ok:true,missing:null,at:2024-01-02T03:04:05Z,'
        'local:2024-01-02T03:04:05.120000-00:00,day:2024-01-02T,ratio:1.5e0,raw:{{eHk=}},tags:["a"],'
        "'odd name':{'null':1}}"
    )


@pytest.mark.parametrize(
    ("url", "expected", "dropped"),
    [
        ("jdbc:postgresql://db:5432/shop", "postgresql://db:5432/shop", []),
        (
            "jdbc:postgresql://db/shop?sslmode=require&ApplicationName=lanner",
            "postgresql://db/shop?sslmode=require&application_name=lanner",
            [],
        ),
        (
            "jdbc:postgresql://db/shop?currentSchema=raw&ssl=true",
            "postgresql://db/shop?sslmode=require&options=-c%20search_path%3Draw",
            [],
        ),
        ("postgresql://u@db/shop?prepareThreshold=0", "postgresql://u@db/shop", ["prepareThreshold"]),
        ("jdbc:postgresql:shop", "postgresql://localhost/shop", []),
    ],
)
def test_jdbc_urls_become_libpq_urls(url: str, expected: str, dropped: list[str]) -> None:
    assert libpq_url(url) == (expected, dropped)


def test_a_url_of_another_database_is_refused() -> None:
    with pytest.raises(TaskFailure, match="not a PostgreSQL URL"):
        libpq_url("jdbc:mysql://db/shop")


def test_duckdb_urls_and_statements_that_return_rows() -> None:
    assert database_path("jdbc:duckdb:") == ":memory:"
    assert database_path("jdbc:duckdb:/data/w.duckdb") == "/data/w.duckdb"
    assert database_path(None) == ":memory:"
    assert returns_rows("SELECT count(*) AS Count FROM t", ["Count"])
    assert returns_rows("-- note\nFROM t", ["Count"])
    assert not returns_rows("CREATE TABLE t AS SELECT 1", ["Count"])
    assert not returns_rows("COPY t TO 'x.csv'", ["Count"])
    assert returns_rows("INSERT INTO t VALUES (1) RETURNING id", ["id"])
