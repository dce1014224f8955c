// The console page: a target, its guests kept current from the events stream, power buttons and
// the two consoles. Keys live in the Gateway object only, for as long as the page is open.
import { Gateway } from "./gateway.js";
import { openSerial, openVnc } from "./consoles.js";

const form = document.getElementById("target");
const statusLine = document.getElementById("status");
const refreshButton = document.getElementById("refresh");
const table = document.getElementById("guests");
const rows = table.querySelector("tbody");
const consoleSection = document.getElementById("console");
const consoleTitle = document.getElementById("console-title");
const consoleState = document.getElementById("console-state");

const RECONNECT_MS = 3000;
const POLL_MS = 10000;

/** What a test (or a curious user's devtools) can read: the open console and the events seen. */
const ui = (window.simplestackUi = { terminal: null, rfb: null, consoleState: "", events: [] });

let session = null; // { gateway, guests: Map, stop: AbortController, applied: Promise }
let openConsole = null;
const rowsById = new Map(); // guest id → its table row
let consoleRequests = 0; // a console asked for later wins over one whose ticket is still coming

function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", isError);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const fields = new FormData(form);
  // Nothing is stored: the values live in the form and the Gateway object until the tab closes.
  connect(new Gateway(fields.get("hypervisor").trim(), fields.get("host").trim(), fields.get("key"), fields.get("token")));
});

refreshButton.addEventListener("click", () => session && refresh(session));

async function connect(gateway) {
  session?.stop.abort();
  closeConsole();
  rowsById.clear();
  rows.replaceChildren();
  const current = (session = { gateway, guests: new Map(), stop: new AbortController(), applied: Promise.resolve() });
  refreshButton.disabled = false;
  say(`Listing the guests of ${gateway.base}…`);
  if (await refresh(current)) follow(current, "");
}

/** Lists the guests again (the fallback when events are missing). */
async function refresh(current) {
  try {
    const guests = await current.gateway.listGuests();
    if (current !== session) return false;
    current.guests = new Map(guests.map((guest) => [guest.id, guest]));
    render();
    return true;
  } catch (error) {
    if (current === session) say(`Listing failed: ${error.message}`, true);
    return false;
  }
}

/** Follows the events stream; when it ends or breaks, lists again and resumes from the last event. */
async function follow(current, lastEventId) {
  let last = lastEventId;
  say(`${current.gateway.base}: following events.`);
  try {
    await current.gateway.followEvents(last, (event) => {
      if (event.id) last = event.id;
      // One at a time, in order: an event waiting for its guest's details is not overtaken.
      current.applied = current.applied.then(() => apply(current, event)).catch((error) => say(`Event ${event.type}: ${error.message}`, true));
    }, current.stop.signal);
  } catch (error) {
    if (current.stop.signal.aborted) return;
    if (error.status === 501) {
      // No events on this hypervisor: list every few seconds instead.
      say(`${current.gateway.base}: no events here; listing every ${POLL_MS / 1000} s.`);
      const timer = setInterval(() => (current === session ? refresh(current) : clearInterval(timer)), POLL_MS);
      return;
    }
    say(`Events: ${error.message}; reconnecting…`, true);
  }
  if (current.stop.signal.aborted) return;
  // Until the gateway answers again: list (what changed meanwhile), then follow from the last event.
  const retry = async () => {
    if (current !== session) return;
    if (await refresh(current)) follow(current, last);
    else setTimeout(retry, RECONNECT_MS);
  };
  setTimeout(retry, RECONNECT_MS);
}

async function apply(current, event) {
  ui.events.push(event.type);
  const data = event.data ?? {};
  const id = data.guest?.id;
  switch (event.type) {
    case "guest.state":
      if (current.guests.has(id)) current.guests.get(id).state = data.state;
      else await upsert(current, id);
      break;
    case "guest.created":
    case "guest.changed":
      await upsert(current, id);
      break;
    case "guest.deleted":
      current.guests.delete(id);
      break;
    case "resync":
    case "dropped":
      await refresh(current);
      return;
    default:
      return;
  }
  if (current === session) render();
}

async function upsert(current, id) {
  try {
    current.guests.set(id, await current.gateway.getGuest(id));
  } catch (error) {
    if (error.status === 404) current.guests.delete(id);
  }
}

/** Updates the table in place (rows are kept, so a button is never replaced under the pointer). */
function render() {
  const guests = [...session.guests.values()].sort((a, b) => a.name.localeCompare(b.name));
  const listed = new Set(guests.map((guest) => guest.id));
  for (const [id, tr] of rowsById) {
    if (!listed.has(id)) {
      tr.remove();
      rowsById.delete(id);
    }
  }
  guests.forEach((guest, index) => {
    let tr = rowsById.get(guest.id);
    if (!tr) rowsById.set(guest.id, (tr = row(guest.id)));
    tr.dataset.name = guest.name;
    tr.cells[0].textContent = guest.name;
    tr.cells[0].title = guest.id;
    tr.cells[1].textContent = guest.state ?? "";
    tr.cells[1].className = `state state-${guest.state}`;
    if (rows.children[index] !== tr) rows.insertBefore(tr, rows.children[index] ?? null);
  });
  table.hidden = false;
}

function row(id) {
  const tr = document.createElement("tr");
  tr.dataset.id = id;
  const guest = () => session.guests.get(id);
  const power = document.createElement("td");
  power.append(
    button("Start", () => setPower(guest(), "start")),
    button("Stop", () => setPower(guest(), "stop")),
    button("Force stop", () => setPower(guest(), "force_stop")));
  const consoles = document.createElement("td");
  consoles.append(button("Serial", () => showConsole(guest(), "serial")), button("VNC", () => showConsole(guest(), "vnc")));
  tr.append(cell(""), cell(""), power, consoles);
  return tr;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  return td;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.action = label.toLowerCase().replace(" ", "-");
  b.addEventListener("click", onClick);
  return b;
}

/** The state changes reach the list through the events stream (or the next listing). */
async function setPower(guest, state) {
  try {
    await session.gateway.power(guest.id, state);
    say(`${guest.name}: ${state} asked.`);
  } catch (error) {
    say(`${guest.name}: ${state} failed: ${error.message}`, true);
  }
}

async function showConsole(guest, type) {
  closeConsole();
  const request = ++consoleRequests;
  consoleSection.hidden = false;
  consoleTitle.textContent = `${guest.name}: ${type === "vnc" ? "VNC" : "serial"}`;
  const onState = (text) => {
    if (request !== consoleRequests) return; // a console closed since: its last words are old news
    ui.consoleState = text;
    consoleState.textContent = text;
  };
  const terminal = document.getElementById("terminal");
  const screen = document.getElementById("screen");
  terminal.hidden = type !== "serial";
  screen.hidden = type !== "vnc";
  onState("asking for a ticket…");
  let url;
  try {
    url = await session.gateway.consoleUrl(guest.id, type);
  } catch (error) {
    if (request !== consoleRequests) return;
    onState(`refused: ${error.message}`);
    terminal.hidden = screen.hidden = true;
    return;
  }
  if (request !== consoleRequests) return; // closed, or another console asked for meanwhile
  if (type === "serial") {
    openConsole = openSerial(terminal, url, onState);
    ui.terminal = openConsole.terminal;
  } else {
    openConsole = openVnc(screen, url, onState);
    ui.rfb = openConsole.rfb;
  }
}

function closeConsole() {
  consoleRequests++;
  openConsole?.close();
  openConsole = null;
  ui.terminal = null;
  ui.rfb = null;
  consoleSection.hidden = true;
}

document.getElementById("console-close").addEventListener("click", closeConsole);
// Only now: noVNC's modules finish loading asynchronously (top-level await), and a click on
// Connect before this script listened would be a plain form submission.
form.querySelector("button[type=submit]").disabled = false;
