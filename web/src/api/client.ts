// The one way the pages talk to the server: openapi-fetch over the generated `paths`, on the
// same origin, with the HttpOnly session cookie the server set at login (the page never sees
// the token). Errors arrive as RFC 9457 problems and are thrown as ApiError.
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import type { Problem } from "./types";

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }
  // The route itself does not exist on this server (yet): not the same as a missing record.
  get routeMissing(): boolean {
    return (
      (this.status === 404 && (this.problem.detail ?? "").startsWith("no route for")) ||
      this.status === 405
    );
  }
}

function asProblem(status: number, body: unknown): Problem {
  if (body && typeof body === "object" && "title" in body) return body as Problem;
  return { type: "/problems/unknown", title: `HTTP ${status}`, status };
}

// The data of an openapi-fetch result, or an ApiError.
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) {
    if (response.status === 401) notifyUnauthenticated();
    throw new ApiError(response.status, asProblem(response.status, error));
  }
  return data;
}

// For routes not (yet) in the OpenAPI document: a plain same-origin GET of JSON.
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    if (response.status === 401) notifyUnauthenticated();
    throw new ApiError(response.status, asProblem(response.status, body));
  }
  return body as T;
}

export async function postJson<T>(path: string, body: unknown, idempotencyKey?: string): Promise<T> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "Content-Type": "application/json",
  };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers,
    body: JSON.stringify(body),
  });
  const answer: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    if (response.status === 401) notifyUnauthenticated();
    throw new ApiError(response.status, asProblem(response.status, answer));
  }
  return answer as T;
}

// What an optional route answered: its data, or that the server does not offer it yet.
export type Optional<T> = { available: true; data: T } | { available: false };

export async function getOptional<T>(path: string): Promise<Optional<T>> {
  try {
    return { available: true, data: await getJson<T>(path) };
  } catch (error) {
    if (error instanceof ApiError && error.routeMissing) return { available: false };
    throw error;
  }
}

// A fresh key per form submission: a retry of the same submission reuses it (the server then
// answers with the first result), a new submission gets a new one.
export function newIdempotencyKey(): string {
  return `web-${crypto.randomUUID()}`;
}

// The session expired or was revoked: the shell listens and sends the user to log in again.
const unauthenticatedListeners = new Set<() => void>();
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}
function notifyUnauthenticated() {
  for (const listener of unauthenticatedListeners) listener();
}
