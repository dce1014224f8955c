// The gateway's API as the page uses it: every call carries the caller key and the hypervisor
// token the user typed, as headers (kept in this object only: never in storage or cookies).

const encoder = new TextEncoder();

/** base64 of a string's UTF-8 bytes. */
function base64(text) {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** An answer that was not 2xx, with the gateway's JSON error message when it sent one. */
export class GatewayError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class Gateway {
  /**
   * @param {string} hypervisor the URL's hypervisor word (kvm, lxc, xen, vmware, test)
   * @param {string} host the URL's host
   * @param {string} key the caller's API key, or "" when the gateway has none
   * @param {string} token the hypervisor token: base64(user:password), or user:password (encoded here), or ""
   */
  constructor(hypervisor, host, key, token) {
    this.base = `/${encodeURIComponent(hypervisor)}/${encodeURIComponent(host)}`;
    this.headers = {};
    if (key) this.headers["x-simplestack-token"] = key;
    if (token) this.headers["x-simplestack-hypervisor-token"] = token.includes(":") ? base64(token) : token;
  }

  async request(method, path, body, signal) {
    const headers = { ...this.headers };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      signal,
    });
    if (!response.ok) throw await errorOf(response);
    return response.status === 204 ? null : response.json();
  }

  listGuests() {
    return this.request("GET", "/guests");
  }

  getGuest(id) {
    return this.request("GET", `/guests/${encodeURIComponent(id)}`);
  }

  power(id, state) {
    return this.request("PUT", `/guests/${encodeURIComponent(id)}/power`, { state });
  }

  /** The console's WebSocket URL, opened with a one-use ticket asked for with the headers (a browser's WebSocket cannot send them). */
  async consoleUrl(id, type) {
    const path = `/guests/${encodeURIComponent(id)}/console`;
    const { ticket } = await this.request("POST", `${path}/ticket?type=${type}`);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}${this.base}${path}?type=${type}&ticket=${encodeURIComponent(ticket)}`;
  }

  /**
   * Follows GET .../events until the signal aborts or the stream ends (resolves) or fails (throws).
   * EventSource cannot send headers, so this reads the Server-Sent Events from fetch's stream.
   * @param {(event: {id: string, type: string, data: any}) => void} onEvent
   */
  async followEvents(lastEventId, onEvent, signal) {
    const headers = { ...this.headers, accept: "text/event-stream" };
    if (lastEventId) headers["last-event-id"] = lastEventId;
    const response = await fetch(this.base + "/events", { headers, cache: "no-store", signal });
    if (!response.ok) throw await errorOf(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      pending += value.replaceAll("\r\n", "\n");
      let end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        const event = parseEvent(pending.slice(0, end));
        pending = pending.slice(end + 2);
        if (event) onEvent(event);
      }
    }
  }
}

/** One Server-Sent Event's lines, or null for a comment (": heartbeat"). */
function parseEvent(block) {
  let id = "";
  let type = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = value;
    else if (field === "event") type = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return null;
  let parsed;
  try {
    parsed = JSON.parse(data.join("\n"));
  } catch {
    parsed = data.join("\n");
  }
  return { id, type, data: parsed };
}

async function errorOf(response) {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.message) message = `${response.status} ${body.error ?? ""}: ${body.message}`;
  } catch {
    // not JSON: the status says enough
  }
  return new GatewayError(response.status, message);
}
