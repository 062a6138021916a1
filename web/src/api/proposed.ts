// Types of routes and fields the server does not have yet (docs/WEB.md, "What the server must
// add"). The pages that use them call them through `getOptional`, which turns a 404 into
// "not available yet", so the front end works before and after they land. When a route lands
// in api/openapi.json, its type here can go: types.ts prefers the generated one.

export interface Attribute {
  name: string; // "family_name", "birth_date", "region", "address", …
  value: string;
  agency: string; // the source agency
  batch: number; // the feed batch's sequence number
  record: number; // the record's line in that batch
  recorded_at: string;
  disputed?: boolean; // a pending objection names this field: its adverse use is frozen
}

export interface QueuedObjection {
  objection_id: number;
  person_id: number;
  summons_id: number | null;
  reason: string;
  filed_at: string;
  field?: string | null;
}

export interface MatchReview {
  review_id: number;
  agency: string;
  sequence: number;
  line: number;
  status: string; // open, linked, created
  weight: number;
  candidate_id: number;
  record: Record<string, unknown>;
  candidate: Record<string, unknown>;
}

export interface LiftConfirmation {
  consumer: string;
  measure_id: number;
  person_id: number;
  kind: string;
  lifted_at: string;
  deadline_at: string;
  state: "pending" | "confirmed" | "escalated";
  late?: boolean;
  confirmed_at: string | null;
  escalated_at: string | null;
}

// GET /persons/{id}/travel-check: "can I cross the border today, and if not, why and how to
// fix it", from the same index border control checks against (English text).
export interface TravelCheck {
  can_cross: boolean;
  answer: string;
  measure_id?: number;
  since?: string;
  office?: string;
  why: string[];
  how_to_fix: string[];
  notes: string[];
}

// GET /stats: registry-wide counts (Registry::Stats) and a per-day series (days with activity
// only), as the server answers today; the members marked "wanted" are what the dashboard also
// asks for (docs/WEB.md) and draws when present.
export interface StatsDay {
  day: string; // local date, YYYY-MM-DD
  issued: number;
  served_by_channel: Record<string, number>; // portal, registered_mail, in_person, register
  appeared: number;
  measures_imposed: number;
  measures_lifted: number;
}
export interface StatsDayWanted {
  measures_in_force?: number; // in force at the end of the day, all kinds
  overdue?: number; // overdue at the end of the day
  lifts_confirmed?: number; // lift confirmations received that day
}

export interface Stats {
  at: string;
  persons: number;
  events: number;
  summonses_by_status: Record<string, number>;
  services_by_rule: Record<string, number>;
  measures_in_force: Record<string, number>;
  measures_lifted: number;
  measures_withheld: number;
  overdue: number;
  due_actions: number;
  days: StatsDay[];
}
export interface StatsWanted {
  lifts_confirmed?: number;
  lifts_pending?: number;
}

export interface Verification {
  code: string;
  outcome: "genuine" | "not_genuine" | "unknown_code" | "malformed_code";
  genuine: boolean;
  key_state?: string;
  key_id?: string;
  key_revoked_at?: string;
  summons?: {
    initials: string;
    office: string;
    appearance_date: string;
    purpose: string;
    status: string;
  };
  notice: { ru: string; en: string };
}

// Fields the existing routes may grow.
export interface ProfileExtras {
  excuse_reasons?: string[];
  deferment_bases?: string[];
  exemption_bases?: string[];
  legal_bases?: Record<string, string>;
}
export interface PersonCardExtras {
  attributes?: Attribute[];
}
export interface SummonsExtras {
  verification_code?: string | null;
}
