// The browser client of the order service: list, create (one or a batch),
// edit, delete, start over, and show readiness. Every error the API answers
// ({error: {code, message, details}}) is shown next to the field it names.
//
// It calls the service that served it, or the one named by ?api=ORIGIN
// (that origin must then list this page's origin in ORDERS_CORS_ORIGINS).

const api = new URLSearchParams(location.search).get("api") ?? "";
const $ = (selector) => document.querySelector(selector);
const FIELDS = ["order_id", "product_id", "quantity", "amount", "shipping", "tax", "shipping_address"];
const MONEY = new Set(["amount", "shipping", "tax"]);
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

class ApiError extends Error {
  constructor(status, error) {
    super(`${error.code}: ${error.message}`);
    this.status = status;
    this.error = error;
  }
}

async function call(method, path, body) {
  const response = await fetch(api + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body,
  });
  const text = await response.text();
  const payload = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, payload?.error ?? { code: `http_${response.status}`, message: text, details: null });
  }
  return payload;
}

// Money is DECIMAL(12,2): two places show it exactly as stored.
const shown = (field, value) => (MONEY.has(field) ? Number(value).toFixed(2) : String(value));

function showProblem(error) {
  const problem = $("#problem");
  problem.textContent = error instanceof ApiError ? error.message : `The service could not be reached: ${error.message}`;
  problem.hidden = false;
}

function clearErrors(form) {
  $("#problem").hidden = true;
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  $("#batch-errors").replaceChildren();
}

// Puts each of the error's details next to its field; the rest goes on top.
function showErrors(form, error) {
  const details = Array.isArray(error.error?.details) ? error.error.details : [];
  let placed = 0;
  for (const detail of details) {
    const input = form.elements.namedItem(detail.field);
    if (!(input instanceof HTMLInputElement)) continue;
    const note = document.createElement("span");
    note.className = "field-error";
    note.id = `${form.id}-${detail.field}-error`;
    note.textContent = detail.message;
    input.after(note);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
    if (placed++ === 0) input.focus();
  }
  if (placed < details.length || details.length === 0) showProblem(error);
}

function row(order) {
  const tr = document.createElement("tr");
  const labels = [...document.querySelectorAll("#orders thead th")].map((th) => th.textContent);
  FIELDS.forEach((field, index) => {
    const td = document.createElement("td");
    td.dataset.label = labels[index];
    td.dataset.field = field;
    td.textContent = shown(field, order[field]);
    if (MONEY.has(field)) td.className = "money";
    tr.append(td);
  });
  const actions = document.createElement("td");
  actions.dataset.label = "Actions";
  for (const [label, handler] of [["Edit", () => startEditing(order)], ["Delete", () => remove(order.order_id)]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.setAttribute("aria-label", `${label} order ${order.order_id}`);
    button.addEventListener("click", handler);
    actions.append(button, " ");
  }
  tr.append(actions);
  return tr;
}

async function refresh() {
  try {
    const orders = await call("GET", "/orders");
    $("#orders tbody").replaceChildren(...orders.map(row));
    $("#empty").hidden = orders.length > 0;
  } catch (error) {
    showProblem(error);
  }
}

async function readiness() {
  const badge = $("#readiness");
  try {
    const ready = await call("GET", "/readyz");
    badge.textContent = `ready: database ${ready.database}, events ${ready.dapr}`;
    badge.className = "badge ready";
  } catch (error) {
    badge.textContent = `not ready: ${error.message}`;
    badge.className = "badge unready";
  }
}

// The order as JSON text, numbers exactly as typed: 19.99 stays 19.99.
function orderJson(form, withId) {
  const parts = FIELDS.filter((field) => withId || field !== "order_id").map((field) => {
    const value = form.elements.namedItem(field).value.trim();
    const literal = field !== "shipping_address" && NUMBER.test(value) ? value : JSON.stringify(value);
    return `${JSON.stringify(field)}:${literal}`;
  });
  return `{${parts.join(",")}}`;
}

let editing = null;

function startEditing(order) {
  const form = $("#order-form");
  clearErrors(form);
  editing = order.order_id;
  for (const field of FIELDS) form.elements.namedItem(field).value = shown(field, order[field]);
  form.elements.namedItem("order_id").readOnly = true;
  $("#form-title").textContent = `Edit order ${order.order_id}`;
  $("#save").textContent = "Save changes";
  $("#cancel-edit").hidden = false;
  form.elements.namedItem("product_id").focus();
}

function stopEditing() {
  const form = $("#order-form");
  editing = null;
  form.reset();
  form.elements.namedItem("order_id").readOnly = false;
  $("#form-title").textContent = "New order";
  $("#save").textContent = "Create order";
  $("#cancel-edit").hidden = true;
}

async function save(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  try {
    if (editing === null) await call("POST", "/orders", orderJson(form, true));
    else await call("PUT", `/orders/${editing}`, orderJson(form, false));
    stopEditing();
    await refresh();
  } catch (error) {
    showErrors(form, error);
  }
}

async function remove(orderId) {
  clearErrors($("#order-form"));
  try {
    await call("DELETE", `/orders/${orderId}`);
    if (editing === orderId) stopEditing();
    await refresh();
  } catch (error) {
    showProblem(error);
  }
}

async function createBatch(event) {
  event.preventDefault();
  const form = event.target;
  const text = $("#batch");
  clearErrors(form);
  text.removeAttribute("aria-invalid");
  try {
    await call("POST", "/create_orders", text.value);
    text.value = "";
    await refresh();
  } catch (error) {
    text.setAttribute("aria-invalid", "true");
    const details = Array.isArray(error.error?.details) ? error.error.details : [];
    const items = details.map((detail) => {
      const item = document.createElement("li");
      item.textContent = `${detail.field}: ${detail.message}`;
      return item;
    });
    $("#batch-errors").replaceChildren(...items);
    if (items.length === 0) showProblem(error);
  }
}

async function startOver() {
  if (!confirm("Delete every order and start with an empty table?")) return;
  try {
    await call("GET", "/init");
    stopEditing();
    await refresh();
  } catch (error) {
    showProblem(error);
  }
}

$("#order-form").addEventListener("submit", save);
$("#cancel-edit").addEventListener("click", stopEditing);
$("#batch-form").addEventListener("submit", createBatch);
$("#refresh").addEventListener("click", refresh);
$("#reset").addEventListener("click", startOver);
readiness();
refresh();
