// The active rule profile (GET /profile, public), loaded once per page load: the forms offer its
// lists, the measures page its citations and lifting deadline.
import { useEffect, useState } from "react";
import { api, unwrap } from "./client";
import type { Profile } from "./types";

let cached: Promise<Profile> | undefined;

export function loadProfile(): Promise<Profile> {
  cached ??= (unwrap(api.GET("/profile", {})) as Promise<Profile>).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

export function useProfile(): Profile | undefined {
  const [profile, setProfile] = useState<Profile>();
  useEffect(() => {
    loadProfile().then(setProfile, () => undefined);
  }, []);
  return profile;
}

// Lists the profile does not publish yet (GET /profile has no such fields today): the
// ru-127fz values, used only when the profile leaves them out.
export const fallbackExcuseReasons = ["illness", "relative_illness_or_funeral", "force_majeure", "other_accepted"];
export const fallbackDefermentBases = ["temporarily_unfit", "student_full_time", "carer", "children", "it_specialist", "elected_office"];
export const fallbackExemptionBases = ["unfit", "served", "other_state_service"];
