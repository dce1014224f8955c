// A client generated from docs/openapi.json (openapi-typescript, into generated/) driving a real
// gateway with openapi-fetch: what a TypeScript user of the contract would write. Compiled with
// tsc in strict mode, so a contract change that breaks such a client fails the build, and run with
//   node dist/smoke.js GATEWAY_URL GUEST_NAME
// it prints one JSON object of what the gateway answered; GeneratedClientSmokeTests checks it.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/simplestack.js";

type ErrorResponse = components["schemas"]["ErrorResponse"];
type GuestState = components["schemas"]["GuestState"];

// Node's own globals, declared here rather than pulling @types/node in for two of them.
declare const process: { argv: string[]; exitCode?: number };

const [baseUrl, name] = process.argv.slice(2);
if (baseUrl === undefined || name === undefined) {
  throw new Error("usage: node dist/smoke.js GATEWAY_URL GUEST_NAME");
}

const client = createClient<paths>({ baseUrl });
const target = { hypervisor: "test", host: "default" };

/** The answer's body, or an Error saying which step failed with what status and error body. */
function expect<T>(step: string, answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.data === undefined) {
    throw new Error(`${step}: ${answer.response.status} ${JSON.stringify(answer.error)}`);
  }
  return answer.data;
}

/**
 * The JSON answer of a route that may also answer its long work as an event stream (API.md §9:
 * with Accept: text/event-stream): the contract gives it both success shapes, and a request that
 * did not ask for the stream gets the JSON one.
 */
function json<U>(step: string, body: U): Exclude<U, string> {
  if (typeof body === "string") {
    throw new Error(`${step}: an event stream came, though none was asked for`);
  }
  return body as Exclude<U, string>;
}

async function stateOf(guestId: string): Promise<GuestState> {
  const guest = expect("get guest", await client.GET("/{hypervisor}/{host}/guests/{guestId}", {
    params: { path: { ...target, guestId } },
  }));
  return guest.state;
}

const listed = expect("list guests", await client.GET("/{hypervisor}/{host}/guests", { params: { path: target } }));

const created = json("create guest", expect("create guest", await client.POST("/{hypervisor}/{host}/guests", {
  params: { path: target },
  body: { name, memory: 128, cpus: 1, start: false },
})));
const guestId = created.id;
const path = { ...target, guestId };

const started = expect("power start", await client.PUT("/{hypervisor}/{host}/guests/{guestId}/power", {
  params: { path },
  body: { state: "start" },
}));
const stateAfterStart = await stateOf(guestId);
const stopped = expect("power stop", await client.PUT("/{hypervisor}/{host}/guests/{guestId}/power", {
  params: { path, query: { wait: 30 } },
  body: { state: "stop" },
}));
const stateAfterStop = await stateOf(guestId);

const tagAdded = await client.POST("/{hypervisor}/{host}/guests/{guestId}/tags", { params: { path }, body: { name: "smoke" } });
if (!tagAdded.response.ok) {
  throw new Error(`add tag: ${tagAdded.response.status} ${JSON.stringify(tagAdded.error)}`);
}
const tags = expect("list tags", await client.GET("/{hypervisor}/{host}/guests/{guestId}/tags", { params: { path } }));

const snapshot = json("create snapshot", expect("create snapshot", await client.POST("/{hypervisor}/{host}/guests/{guestId}/snapshots", {
  params: { path },
  body: { name: "before" },
})));
const snapshots = expect("list snapshots", await client.GET("/{hypervisor}/{host}/guests/{guestId}/snapshots", { params: { path } }));

// A 404: openapi-fetch hands the error body over typed as the contract's ErrorResponse.
const missing = await client.GET("/{hypervisor}/{host}/guests/{guestId}", {
  params: { path: { ...target, guestId: `${name}-missing` } },
});
const notFound: ErrorResponse | undefined = missing.error;

const deleted = await client.DELETE("/{hypervisor}/{host}/guests/{guestId}", { params: { path } });
const afterDelete = await client.GET("/{hypervisor}/{host}/guests/{guestId}", { params: { path } });

console.log(JSON.stringify({
  listed: listed.map((guest) => guest.name),
  created: { id: created.id, name: created.name, memory: created.memory, state: created.state },
  power: {
    start: started.action,
    state_after_start: stateAfterStart,
    stop: stopped.action,
    state_after_stop: stateAfterStop,
  },
  tag_add_status: tagAdded.response.status,
  tags,
  snapshot: { id: snapshot.id, name: snapshot.name },
  snapshots: snapshots.map((s) => s.name),
  not_found: { status: missing.response.status, body: notFound ?? null },
  delete_status: deleted.response.status,
  after_delete_status: afterDelete.response.status,
}));
