// The API's types, kept by hand in the shape openapi-typescript generates (`paths`,
// `components`), until api/openapi.json exists. scripts/api-types.mjs writes src/api/schema.ts
// from ../api/openapi.json when it is there and copies this file otherwise; the code imports
// only src/api/schema.ts (through src/api/types.ts), so the generated file replaces this one
// with no other change. Delete this file once the OpenAPI document has landed.
//
// Only routes the server has today are here; routes and fields it does not have yet are in
// proposed.ts.

type Json<T> = { headers: { [name: string]: unknown }; content: { "application/json": T } };
type ProblemResponse = {
  headers: { [name: string]: unknown };
  content: { "application/problem+json": components["schemas"]["Problem"] };
};
type NoParameters = { query?: never; header?: never; path?: never; cookie?: never };
type IdPath = { query?: never; header?: never; path: { id: number }; cookie?: never };
type Unused = { put?: never; delete?: never; options?: never; head?: never; patch?: never; trace?: never };

type GetOperation<Parameters, Result> = {
  parameters: Parameters;
  requestBody?: never;
  responses: { 200: Json<Result>; default: ProblemResponse };
};
type PostOperation<Parameters, Body, Result, Status extends 200 | 201 = 201> = {
  parameters: Parameters;
  requestBody: { content: { "application/json": Body } };
  responses: { [S in Status]: Json<Result> } & { default: ProblemResponse };
};
type WithKey<Path> = {
  query?: never;
  header?: { "Idempotency-Key"?: string };
  path: Path;
  cookie?: never;
};
type WithKeyOnly = {
  query?: never;
  header?: { "Idempotency-Key"?: string };
  path?: never;
  cookie?: never;
};

type Schemas = components["schemas"];

export interface paths {
  "/auth/login": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<NoParameters, Schemas["LoginRequest"], Schemas["Session"], 200>;
  };
  "/auth/citizen/demo": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<NoParameters, { snils: string }, Schemas["Session"], 200>;
  };
  "/auth/logout": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<NoParameters, Record<string, never>, { logged_out: boolean }, 200>;
  };
  "/auth/me": Unused & {
    parameters: NoParameters;
    get: GetOperation<NoParameters, Schemas["Me"]>;
    post?: never;
  };
  "/profile": Unused & {
    parameters: NoParameters;
    get: GetOperation<NoParameters, Schemas["Profile"]>;
    post?: never;
  };
  "/persons": Unused & {
    parameters: NoParameters;
    get: GetOperation<
      {
        query?: {
          snils?: string;
          inn?: string;
          passport?: string;
          foreign_passport?: string;
          driving_licence?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      },
      Schemas["PersonCard"]
    >;
    post?: never;
  };
  "/persons/search": Unused & {
    parameters: NoParameters;
    get: GetOperation<
      {
        query: { family_name: string; given_name?: string; birth_date?: string; limit?: number };
        header?: never;
        path?: never;
        cookie?: never;
      },
      Schemas["PersonSearch"]
    >;
    post?: never;
  };
  "/persons/{id}": Unused & {
    parameters: NoParameters;
    get: GetOperation<IdPath, Schemas["PersonCard"]>;
    post?: never;
  };
  "/persons/{id}/timeline": Unused & {
    parameters: NoParameters;
    get: GetOperation<IdPath, Schemas["Timeline"]>;
    post?: never;
  };
  "/persons/{id}/explain": Unused & {
    parameters: NoParameters;
    get: GetOperation<IdPath, Schemas["Explanation"]>;
    post?: never;
  };
  "/persons/{id}/measures": Unused & {
    parameters: NoParameters;
    get: GetOperation<IdPath, Schemas["PersonMeasures"]>;
    post?: never;
  };
  "/persons/{id}/summonses": Unused & {
    parameters: NoParameters;
    get: GetOperation<IdPath, Schemas["PersonSummonses"]>;
    post?: never;
  };
  "/persons/{id}/access-log": Unused & {
    parameters: NoParameters;
    get: GetOperation<
      {
        query?: { before?: number; limit?: number };
        header?: never;
        path: { id: number };
        cookie?: never;
      },
      Schemas["AccessLog"]
    >;
    post?: never;
  };
  "/persons/{id}/grounds": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<WithKey<{ id: number }>, Schemas["NewGround"], { ground_id: number; person_id: number }>;
  };
  "/persons/{id}/fitness": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<
      WithKey<{ id: number }>,
      { category: string; commission: string; valid_until?: string },
      { person_id: number; category: string },
      200
    >;
  };
  "/summonses": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<WithKeyOnly, Schemas["NewSummons"], { summons_id: number; person_id: number }>;
  };
  "/summonses/{id}": Unused & {
    parameters: NoParameters;
    get: GetOperation<IdPath, Schemas["Summons"]>;
    post?: never;
  };
  "/summonses/{id}/appearance": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<WithKey<{ id: number }>, { at?: string }, { summons_id: number; appeared_at: string }, 200>;
  };
  "/summonses/{id}/marks": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<
      WithKey<{ id: number }>,
      { channel: string; mark: string; evidence: string; at?: string },
      { summons_id: number; attempt_id: number }
    >;
  };
  "/summonses/{id}/cancel": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<WithKey<{ id: number }>, { reason: string }, { summons_id: number; cancelled: boolean }, 200>;
  };
  "/summonses/{id}/excuses": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<
      WithKey<{ id: number }>,
      { reason: string; documents?: string },
      { excuse_id: number; summons_id: number }
    >;
  };
  "/excuses/{id}/decision": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<WithKey<{ id: number }>, { accepted: boolean; note?: string }, { excuse_id: number; accepted: boolean }, 200>;
  };
  "/objections": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<
      WithKeyOnly,
      { person_id: number; summons_id?: number; reason: string },
      { objection_id: number; person_id: number }
    >;
  };
  "/objections/{id}/decision": Unused & {
    parameters: NoParameters;
    get?: never;
    post: PostOperation<WithKey<{ id: number }>, { upheld: boolean; note?: string }, { objection_id: number; upheld: boolean }, 200>;
  };
}

export interface components {
  schemas: {
    Problem: {
      type: string;
      title: string;
      status: number;
      detail?: string;
      field?: string;
      gate?: string;
    };
    LoginRequest: { login: string; password: string; totp: string };
    Session: { token: string; expires_at: string; login?: string; person_id?: number };
    Me: {
      login: string;
      kind: "officer" | "agency" | "citizen" | "admin";
      display_name: string;
      grants: { scope: string; jurisdiction: string }[];
      expires_at: string;
      person_id: number | null;
      consumer?: string;
    };
    Names: { family: string; given: string; patronymic: string };
    Ground: {
      ground_id: number;
      kind: string;
      basis: string;
      valid_from: string;
      valid_until: string | null;
      evidence: string;
      ended_at: string | null;
      end_reason: string;
    };
    PersonCard: {
      person_id: number;
      names: components["schemas"]["Names"];
      names_latin: components["schemas"]["Names"];
      sex: string;
      birth_date: string;
      region: string;
      office: string;
      has_portal_account: boolean;
      fitness: { category: string; until: string | null } | null;
      status: string;
      source: string;
      identifiers: { kind: string; value: string }[];
      grounds: components["schemas"]["Ground"][];
    };
    PersonSearch: {
      results: {
        person_id: number;
        names: components["schemas"]["Names"];
        birth_date: string;
        region: string;
        office: string;
      }[];
      outside_jurisdiction: number;
    };
    Timeline: { person_id: number; lines: string[] };
    Explanation: {
      person_id: number;
      profile: string;
      at: string;
      gates: string[];
      measures: { kind: string; in_force: boolean; lines: string[] }[];
    };
    Measure: {
      measure_id: number;
      summons_id: number;
      kind: string;
      rule_id: string;
      legal_basis: string;
      profile_version: string;
      start_at: string;
      in_force: boolean;
      lifted_at: string | null;
      lift_reason?: string;
    };
    PersonMeasures: { person_id: number; at: string; measures: components["schemas"]["Measure"][] };
    DeliveryAttempt: {
      attempt_id: number;
      channel: string;
      mark: string;
      at: string;
      evidence: string;
      service_rule: string | null;
      serves_at: string | null;
    };
    Excuse: {
      excuse_id: number;
      reason: string;
      documents: string;
      filed_at: string;
      decided_at: string | null;
      accepted: boolean | null;
      note: string;
    };
    Summons: {
      summons_id: number;
      person_id: number;
      batch: string;
      purpose: string;
      office: string;
      place: string;
      appearance_at: string;
      legal_basis: string;
      profile_version: string;
      issued_at: string;
      status: string;
      served_at: string | null;
      served_rule: string | null;
      closed_at: string | null;
      close_reason: string;
      delivery_log: components["schemas"]["DeliveryAttempt"][];
      excuses: components["schemas"]["Excuse"][];
    };
    Objection: {
      objection_id: number;
      summons_id: number | null;
      reason: string;
      filed_at: string;
      decided_at: string | null;
      upheld: boolean | null;
    };
    PersonSummonses: {
      person_id: number;
      summonses: components["schemas"]["Summons"][];
      objections: components["schemas"]["Objection"][];
    };
    AccessEntry: {
      entry_id: number;
      at: string;
      actor: string;
      actor_kind: string;
      action: string;
      resource: string;
      fields: string;
      purpose: string;
      outcome: string;
    };
    AccessLog: { person_id: number; entries: components["schemas"]["AccessEntry"][] };
    NewSummons: {
      person_id: number;
      appearance_at?: string;
      channels?: string[];
      purpose?: string;
      place?: string;
    };
    NewGround: {
      kind: "deferment" | "exemption";
      basis: string;
      valid_from?: string;
      valid_until?: string;
      evidence: string;
    };
    Profile: {
      id: string;
      version: string;
      title: string;
      country: string;
      effective_from: string;
      effective_until: string | null;
      clock: string;
      now: string;
      liability: { min_age: number; max_age: number; max_age_inclusive: boolean; sexes: string[] };
      appearance_days: { min: number; max: number; default: number };
      channels: { channel: string; marks: string[] }[];
      measures: { kind: string; rule_id: string; legal_basis: string }[];
      lift_deadline_hours: number;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
