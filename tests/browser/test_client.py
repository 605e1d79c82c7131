"""The browser client, in Chromium, against every server: the whole flow,
errors shown where they belong, the keyboard, a phone, and another origin."""

from __future__ import annotations

import json
import re

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.support.payloads import DEMO_ORDERS, ROOT
from tests.support.servers import Service, ServiceFactory


def open_client(page: Page, service: Service, api: str = "") -> None:
    page.goto(f"{service.base_url}/ui/" + (f"?api={api}" if api else ""))
    expect(page.locator("#readiness")).to_have_text(re.compile("^ready"))


def row(page: Page, order_id: int) -> Locator:
    return page.locator("#orders tbody tr").filter(has=page.locator(f'td[data-field="order_id"]:text-is("{order_id}")'))


def fill_order(page: Page, **values: str) -> None:
    for field, value in values.items():
        page.locator(f'#order-form [name="{field}"]').fill(value)


def test_create_list_edit_delete_and_start_over(page: Page, service: Service, client: httpx.Client) -> None:
    open_client(page, service)
    expect(page.locator("#empty")).to_be_visible()

    page.locator("#batch").fill((ROOT / "orders.json").read_text())
    page.get_by_role("button", name="Create all").click()
    expect(page.locator("#orders tbody tr")).to_have_count(len(DEMO_ORDERS))
    expect(row(page, 1).locator('td[data-field="amount"]')).to_have_text("56.00")

    fill_order(
        page,
        order_id="9",
        product_id="4",
        quantity="2",
        amount="19.99",
        shipping="0",
        tax="1.5",
        shipping_address="9 Rue de la Paix",
    )
    page.get_by_role("button", name="Create order").click()
    expect(row(page, 9).locator('td[data-field="amount"]')).to_have_text("19.99")
    assert client.get("/orders/9").json()["amount"] == 19.99

    page.get_by_role("button", name="Edit order 3").click()
    fill_order(page, quantity="7")
    page.get_by_role("button", name="Save changes").click()
    expect(row(page, 3).locator('td[data-field="quantity"]')).to_have_text("7")
    assert client.get("/orders/3").json()["quantity"] == 7

    page.get_by_role("button", name="Delete order 2").click()
    expect(row(page, 2)).to_have_count(0)
    assert client.get("/orders/2").status_code == 404

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete every order…").click()
    expect(page.locator("#empty")).to_be_visible()
    assert client.get("/orders").json() == []


def test_errors_are_shown_next_to_their_fields(page: Page, service: Service, client: httpx.Client) -> None:
    open_client(page, service)
    fill_order(
        page, order_id="1", product_id="1", quantity="two", amount="1", shipping="0", tax="-1", shipping_address="x"
    )
    page.get_by_role("button", name="Create order").click()
    quantity = page.locator('#order-form [name="quantity"]')
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#order-form-quantity-error")).to_have_text("must be integer")
    expect(page.locator("#order-form-tax-error")).to_have_text("must be bigger than or equal to 0")
    expect(quantity).to_be_focused()

    fill_order(page, quantity="1", tax="0", amount="1.005")
    page.get_by_role("button", name="Create order").click()
    expect(page.locator("#order-form-amount-error")).to_have_text("must have at most 2 decimal places")
    expect(page.locator("#order-form-quantity-error")).to_have_count(0)

    fill_order(page, amount="1")
    page.get_by_role("button", name="Create order").click()
    expect(row(page, 1)).to_have_count(1)
    fill_order(
        page, order_id="1", product_id="1", quantity="1", amount="1", shipping="0", tax="0", shipping_address="again"
    )
    page.get_by_role("button", name="Create order").click()
    expect(page.locator("#problem")).to_contain_text("duplicate_order_id")

    page.locator("#batch").fill(json.dumps([{"order_id": 5}]))
    page.get_by_role("button", name="Create all").click()
    expect(page.locator("#batch-errors li").first).to_contain_text("[0].")
    page.locator("#batch").fill("[{")
    page.get_by_role("button", name="Create all").click()
    expect(page.locator("#problem")).to_contain_text("malformed_json")


def test_it_works_from_the_keyboard(page: Page, service: Service, client: httpx.Client) -> None:
    open_client(page, service)
    page.locator('#order-form [name="order_id"]').focus()
    for value in ("12", "3", "1", "5.25", "0", "0.5", "12 Keyboard Lane"):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(row(page, 12)).to_have_count(1)


def test_it_is_readable_on_a_phone(phone_page: Page, service: Service, client: httpx.Client) -> None:
    page = phone_page
    client.post("/create_orders", content=(ROOT / "orders.json").read_bytes())
    open_client(page, service)
    expect(page.locator("#orders thead")).to_be_hidden()
    expect(row(page, 1).locator('td[data-field="shipping_address"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_page_on_another_allowed_origin_can_use_the_api(page: Page, make_service: ServiceFactory) -> None:
    pages = make_service("native", "uiorigin")
    api = make_service("native", "uiapi", ORDERS_CORS_ORIGINS=pages.base_url.replace("127.0.0.1", "localhost"))
    page.goto(f"{pages.base_url.replace('127.0.0.1', 'localhost')}/ui/?api={api.base_url}")
    expect(page.locator("#readiness")).to_have_text(re.compile("^ready"))
    fill_order(
        page,
        order_id="4",
        product_id="4",
        quantity="4",
        amount="4",
        shipping="4",
        tax="4",
        shipping_address="4 Cross Street",
    )
    page.get_by_role("button", name="Create order").click()
    expect(row(page, 4)).to_have_count(1)
    assert httpx.get(f"{api.base_url}/orders/4").status_code == 200


def test_a_page_on_an_unlisted_origin_changes_nothing(page: Page, make_service: ServiceFactory) -> None:
    pages = make_service("native", "uiorigin2")
    api = make_service("native", "uiapi2")
    httpx.get(f"{api.base_url}/init")
    httpx.post(f"{api.base_url}/create_orders", content=(ROOT / "orders.json").read_bytes())
    page.goto(f"{pages.base_url}/ui/?api={api.base_url}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete every order…").click()
    expect(page.locator("#problem")).to_be_visible()
    assert len(httpx.get(f"{api.base_url}/orders").json()) == len(DEMO_ORDERS)
