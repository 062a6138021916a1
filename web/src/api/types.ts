// The API's types as the pages use them, derived from the generated `paths` by route, so the
// names here do not depend on how the OpenAPI document names its schemas.
import type { paths } from "./schema";
import type * as Proposed from "./proposed";

type JsonOf<Response> = Response extends { content: { "application/json": infer T } } ? T : never;
// The 200 body of GET `Path`, or `Else` when the document has no such route (yet).
type GetResult<Path extends string, Else = never> = Path extends keyof paths
  ? paths[Path] extends { get: { responses: { 200: infer Response } } }
    ? JsonOf<Response>
    : Else
  : Else;

export type Me = GetResult<"/auth/me">;
export type Profile = GetResult<"/profile"> & Proposed.ProfileExtras;
export type PersonCard = GetResult<"/persons/{id}"> & Proposed.PersonCardExtras;
export type PersonSearch = GetResult<"/persons/search">;
export type SearchResult = PersonSearch["results"][number];
export type Timeline = GetResult<"/persons/{id}/timeline">;
export type Explanation = GetResult<"/persons/{id}/explain">;
export type PersonMeasures = GetResult<"/persons/{id}/measures">;
export type Measure = PersonMeasures["measures"][number];
export type PersonSummonses = GetResult<"/persons/{id}/summonses">;
export type Summons = PersonSummonses["summonses"][number] & Proposed.SummonsExtras;
export type DeliveryAttempt = Summons["delivery_log"][number];
export type Excuse = Summons["excuses"][number];
export type Objection = PersonSummonses["objections"][number];
export type AccessLog = GetResult<"/persons/{id}/access-log">;
export type AccessEntry = AccessLog["entries"][number];
export type Ground = PersonCard["grounds"][number];

type StatsAsServed = GetResult<"/stats", Proposed.Stats>;
export type StatsDay = StatsAsServed["days"][number] & Proposed.StatsDayWanted;
export type Stats = Omit<StatsAsServed, "days"> & Proposed.StatsWanted & { days: StatsDay[] };
export type Verification = GetResult<"/verify/{code}", Proposed.Verification>;
export type QueuedObjection = Proposed.QueuedObjection;
export type MatchReview = Proposed.MatchReview;
export type LiftConfirmation = Proposed.LiftConfirmation;
export type TravelCheck = GetResult<"/persons/{id}/travel-check", Proposed.TravelCheck>;
export type Attribute = Proposed.Attribute;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  field?: string;
  gate?: string;
}
