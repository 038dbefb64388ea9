// A typed use of the main routes, the way a frontend team writes it against the client
// openapi-typescript generates from the committed document. `tsc --strict` must accept it:
// when the document says something else (a list's items typed as another resource, a field
// that may be null typed as a plain string, an operation lost to a repeated operationId),
// this stops compiling.
import type { components, operations, paths } from "./generated/schema";

type Schemas = components["schemas"];
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

type LoginBody = Json<paths["/api/v1/auth/login"]["post"]["requestBody"]>;
type LoginOk = Json<paths["/api/v1/auth/login"]["post"]["responses"][200]>;
type TicketPage = Json<paths["/api/v1/tickets"]["get"]["responses"][200]>;
type TicketQuery = NonNullable<paths["/api/v1/tickets"]["get"]["parameters"]["query"]>;
type OneTicket = Json<paths["/api/v1/tickets/{id}"]["get"]["responses"][200]>;
type NewCall = Json<paths["/api/v1/calls"]["post"]["requestBody"]>;
type CallTaken = Json<paths["/api/v1/calls"]["post"]["responses"][201]>;
type TaskPage = Json<operations["list_tasks"]["responses"][200]>;
type NewEntry = Json<paths["/api/v1/time-entries"]["post"]["requestBody"]>;
type EntryCreated = Json<paths["/api/v1/time-entries"]["post"]["responses"][201]>;
type Problem = Schemas["Problem"];

/** A tiny fetch wrapper: JSON in, JSON or a problem document out. */
async function api<T>(base: string, method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  if (!res.ok) {
    const problem = (await res.json()) as Problem;
    throw new Error(`${problem.status} ${problem.code}: ${problem.detail ?? problem.title}`);
  }
  return (await res.json()) as T;
}

export async function login(base: string, email: string, password: string): Promise<string> {
  const body: LoginBody = { email, password };
  const pair = await api<LoginOk>(base, "POST", "/api/v1/auth/login", null, body);
  const seconds: number = pair.expires_in;
  return seconds > 0 ? pair.access_token : "";
}

/** The open tickets' numbers and titles: the items of GET /tickets are tickets. */
export async function openTickets(base: string, token: string): Promise<string[]> {
  const query: TicketQuery = { status_class: "open", limit: 50 };
  const page = await api<TicketPage>(base, "GET", `/api/v1/tickets?status_class=${query.status_class}&limit=${query.limit}`, token);
  const tickets: Schemas["TicketOut"][] = page.items;
  const next: string | null | undefined = page.next_cursor;
  return tickets.map((t) => `${t.number} ${t.title} (${t.status.class}${next ? ", more" : ""})`);
}

export async function ticketDescription(base: string, token: string, id: string): Promise<string> {
  const ticket: OneTicket = await api<OneTicket>(base, "GET", `/api/v1/tickets/${id}`, token);
  // Nullable on the wire, nullable in the type.
  const description: string | null | undefined = ticket.description;
  return description ?? ticket.title;
}

export async function raiseAlarm(base: string, key: string): Promise<number> {
  const call: NewCall = { channel: "api", subject: "Pump P-7 pressure low", dedup_key: "plant-3/p-7/pressure" };
  const taken = await api<CallTaken>(base, "POST", "/api/v1/calls", key, call);
  const outcome: string = taken.outcome;
  return outcome === "deduplicated" ? (taken.alarm_count ?? 0) : 1;
}

export async function myOpenTasks(base: string, token: string): Promise<string[]> {
  const page = await api<TaskPage>(base, "GET", "/api/v1/tasks?status=in_progress", token);
  const statuses: Schemas["TaskOut"]["status"][] = page.items.map((t) => t.status);
  return page.items.filter((_, i) => statuses[i] !== "done").map((t) => `${t.number} ${t.title}`);
}

export async function logHour(base: string, token: string, ticketId: string): Promise<number | null> {
  const entry: NewEntry = { ticket_id: ticketId, work_date: "2026-12-01", minutes: 60 };
  const created = await api<EntryCreated>(base, "POST", "/api/v1/time-entries", token, entry);
  const minutes: number = created.minutes;
  // Pay data: null for callers who may not see it.
  const cost: number | null | undefined = created.cost_minor;
  return minutes > 0 ? (cost ?? null) : null;
}
